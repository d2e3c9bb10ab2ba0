import Ecs, {
  DetachInstanceRamRoleRequest,
  RunInstancesRequest,
  RunInstancesRequestTag,
  TagResourcesRequest,
  TagResourcesRequestTag,
  UntagResourcesRequest,
} from '@alicloud/ecs20140526';
import { $OpenApiUtil } from '@alicloud/openapi-core';
import { chunk } from '../../shared/collections/chunk.js';
import type { AccessKey } from '../credential-store.js';

/**
 * The person (or pipeline) driving the account: launches and retags instances through the full generated ECS
 * client, as any Alibaba Cloud user would. Their calls count against the same rate limits, so they retry
 * throttling like a careful operator does.
 */
export class Operator {
  readonly #clients = new Map<string, Ecs.default>();
  readonly #endpoint: string;
  readonly #key: AccessKey;

  constructor(endpoint: string, key: AccessKey) {
    this.#endpoint = endpoint;
    this.#key = key;
  }

  async runInstances(regionId: string, amount: number, tags: Record<string, string>): Promise<string[]> {
    const response = await this.#retry(() =>
      this.#client(regionId).runInstances(
        new RunInstancesRequest({
          regionId,
          amount,
          imageId: 'aliyun_3_x64_20G_alibase_20260101.vhd',
          instanceType: 'ecs.g7.large',
          vSwitchId: 'vsw-sandbox0000000000001',
          tag: Object.entries(tags).map(([key, value]) => new RunInstancesRequestTag({ key, value })),
        }),
      ),
    );
    return response.body?.instanceIdSets?.instanceIdSet ?? [];
  }

  async tag(regionId: string, instanceIds: string[], tags: Record<string, string>): Promise<void> {
    for (let i = 0; i < instanceIds.length; i += 50) {
      const resourceId = instanceIds.slice(i, i + 50);
      await this.#retry(() =>
        this.#client(regionId).tagResources(
          new TagResourcesRequest({
            regionId,
            resourceType: 'instance',
            resourceId,
            tag: Object.entries(tags).map(([key, value]) => new TagResourcesRequestTag({ key, value })),
          }),
        ),
      );
    }
  }

  async untag(regionId: string, instanceIds: string[], keys: string[]): Promise<void> {
    for (let i = 0; i < instanceIds.length; i += 50) {
      const resourceId = instanceIds.slice(i, i + 50);
      await this.#retry(() =>
        this.#client(regionId).untagResources(
          new UntagResourcesRequest({ regionId, resourceType: 'instance', resourceId, tagKey: keys }),
        ),
      );
    }
  }

  /**
   * Detaches whatever role each instance holds, as someone would in the console (no `RamRoleName`), ≤ 100 a call.
   * Returns the ids ECS reports as detached.
   */
  async detachRoles(regionId: string, instanceIds: string[]): Promise<string[]> {
    const detached: string[] = [];
    for (const batch of chunk(instanceIds, 100)) {
      const response = await this.#retry(() =>
        this.#client(regionId).detachInstanceRamRole(
          new DetachInstanceRamRoleRequest({ regionId, instanceIds: JSON.stringify(batch) }),
        ),
      );
      for (const result of response.body?.detachInstanceRamRoleResults?.detachInstanceRamRoleResult ?? [])
        if (result.success === true && result.instanceId !== undefined) detached.push(result.instanceId);
    }
    return detached;
  }

  #client(regionId: string): Ecs.default {
    let client = this.#clients.get(regionId);
    if (client === undefined) {
      client = new Ecs.default(
        new $OpenApiUtil.Config({
          accessKeyId: this.#key.accessKeyId,
          accessKeySecret: this.#key.accessKeySecret,
          endpoint: this.#endpoint,
          protocol: 'http',
          regionId,
          // A busy machine (dozens of function instances starting) can be slow to answer; an operator waits.
          connectTimeout: 30_000,
          readTimeout: 30_000,
        }),
      );
      this.#clients.set(regionId, client);
    }
    return client;
  }

  /** Retries throttling for up to ~30 s; anything else is a scenario bug and surfaces. */
  async #retry<T>(call: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await call();
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        if (typeof code !== 'string' || !code.startsWith('Throttling') || attempt >= 60) throw error;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }
}
