import { $OpenApiUtil } from '@alicloud/openapi-core';
import * as $dara from '@darabonba/typescript';
import type { CredentialProvider } from '../credentials/credentials.js';
import {
  type CallOptions,
  type EcsGateway,
  type InstancePage,
  type InstanceState,
  MAX_IDS_PER_CALL,
  MAX_IDS_PER_ROLE_READ,
  MAX_RESULTS_PER_PAGE,
  MAX_ROLE_PAGE_SIZE,
  type RolePage,
  type WriteResult,
} from './ecs-gateway.js';
import {
  AttachInstanceRamRoleRequest,
  DescribeInstanceRamRoleRequest,
  DescribeInstancesRequest,
  DetachInstanceRamRoleRequest,
  EcsSdkClient,
} from './ecs-sdk-client.js';
import { perInstance, type RawInstanceResult } from './instance-result.js';

export interface SdkEcsGatewayOptions {
  credential: CredentialProvider;
  /** Override for the local emulator: `host[:port]` and its scheme. */
  endpoint?: { host: string; protocol: 'http' | 'https' };
  connectTimeoutMs: number;
  readTimeoutMs: number;
}

/** ECS through the official SDK client (`EcsSdkClient`), one client per region. */
export class SdkEcsGateway implements EcsGateway {
  readonly #options: SdkEcsGatewayOptions;
  readonly #clients = new Map<string, EcsSdkClient>();

  constructor(options: SdkEcsGatewayOptions) {
    this.#options = options;
  }

  async describeInstances(
    regionId: string,
    instanceIds: readonly string[],
    options: CallOptions,
  ): Promise<InstanceState[]> {
    assertBatch(instanceIds, MAX_IDS_PER_CALL);
    const response = await this.#client(regionId).describeInstanceRows(
      new DescribeInstancesRequest({
        regionId,
        instanceIds: JSON.stringify(instanceIds),
        pageSize: MAX_IDS_PER_CALL,
      }),
      this.#runtime(options),
    );
    return instanceStates(response.body?.instances?.instance, regionId);
  }

  async listInstances(
    regionId: string,
    nextToken: string | null,
    options: CallOptions,
  ): Promise<InstancePage> {
    const response = await this.#client(regionId).describeInstanceRows(
      new DescribeInstancesRequest({
        regionId,
        maxResults: MAX_RESULTS_PER_PAGE,
        ...(nextToken === null ? {} : { nextToken }),
      }),
      this.#runtime(options),
    );
    return {
      instances: instanceStates(response.body?.instances?.instance, regionId),
      nextToken: response.body?.nextToken || null,
    };
  }

  async describeInstanceRoles(
    regionId: string,
    instanceIds: readonly string[],
    pageNumber: number,
    options: CallOptions,
  ): Promise<RolePage> {
    assertBatch(instanceIds, MAX_IDS_PER_ROLE_READ);
    const response = await this.#client(regionId).describeInstanceRamRole(
      new DescribeInstanceRamRoleRequest({
        regionId,
        instanceIds: JSON.stringify(instanceIds),
        pageNumber,
        pageSize: MAX_ROLE_PAGE_SIZE,
      }),
      this.#runtime(options),
    );
    const sets = response.body?.instanceRamRoleSets?.instanceRamRoleSet ?? [];
    // A row for every instance asked about, `""` for one without a role (cloud-facts ECS-7).
    const rows = sets.flatMap((s) =>
      s.instanceId ? [{ instanceId: s.instanceId, roleName: s.ramRoleName || null }] : [],
    );
    const totalCount = response.body?.totalCount;
    return { rows, rowCount: sets.length, ...(totalCount === undefined ? {} : { totalCount }) };
  }

  attachRole(
    regionId: string,
    roleName: string,
    instanceIds: readonly string[],
    options: CallOptions,
  ): Promise<WriteResult> {
    const request = new AttachInstanceRamRoleRequest({
      regionId,
      ramRoleName: roleName,
      instanceIds: JSON.stringify(instanceIds),
    });
    return this.#write(instanceIds, async () => {
      const { body } = await this.#client(regionId).attachInstanceRamRole(request, this.#runtime(options));
      return {
        requestId: body?.requestId,
        results: body?.attachInstanceRamRoleResults?.attachInstanceRamRoleResult,
      };
    });
  }

  detachRole(
    regionId: string,
    roleName: string,
    instanceIds: readonly string[],
    options: CallOptions,
  ): Promise<WriteResult> {
    const request = new DetachInstanceRamRoleRequest({
      regionId,
      ramRoleName: roleName,
      instanceIds: JSON.stringify(instanceIds),
    });
    return this.#write(instanceIds, async () => {
      const { body } = await this.#client(regionId).detachInstanceRamRole(request, this.#runtime(options));
      return {
        requestId: body?.requestId,
        results: body?.detachInstanceRamRoleResults?.detachInstanceRamRoleResult,
      };
    });
  }

  /** A batch write: ≤ 100 ids, per-instance results mapped back to the ids sent. */
  async #write(
    instanceIds: readonly string[],
    call: () => Promise<{
      requestId: string | undefined;
      results: readonly RawInstanceResult[] | undefined;
    }>,
  ): Promise<WriteResult> {
    assertBatch(instanceIds, MAX_IDS_PER_CALL);
    const { requestId, results } = await call();
    return { requestId: requestId ?? '', results: perInstance(instanceIds, results ?? []) };
  }

  #client(regionId: string): EcsSdkClient {
    let client = this.#clients.get(regionId);
    if (client === undefined) {
      const { endpoint } = this.#options;
      client = new EcsSdkClient(
        new $OpenApiUtil.Config({
          credential: this.#options.credential,
          regionId,
          ...(endpoint === undefined ? {} : { endpoint: endpoint.host, protocol: endpoint.protocol }),
          // The SDK's defaults are 3 s each, and a longer read timeout alone has no effect (cloud-facts ECS-24).
          connectTimeout: this.#options.connectTimeoutMs,
          readTimeout: this.#options.readTimeoutMs,
        }),
      );
      this.#clients.set(regionId, client);
    }
    return client;
  }

  /** Per-call timeouts: never longer than configured, never past the caller's deadline. */
  #runtime(options: CallOptions): $dara.RuntimeOptions {
    const budget = Math.max(1, Math.floor(options.timeoutMs));
    return new $dara.RuntimeOptions({
      connectTimeout: Math.min(this.#options.connectTimeoutMs, budget),
      readTimeout: Math.min(this.#options.readTimeoutMs, budget),
    });
  }
}

interface RawInstance {
  instanceId?: string;
  regionId?: string;
  status?: string;
  instanceNetworkType?: string;
  tags?: { tag?: Array<{ tagKey?: string; tagValue?: string }> };
}

function instanceStates(rows: readonly RawInstance[] | undefined, regionId: string): InstanceState[] {
  return (rows ?? []).flatMap((instance) => {
    if (!instance.instanceId) return [];
    // fromEntries defines own properties, so a `__proto__` tag key stays a plain key. `Tags`, `Status` and
    // `InstanceNetworkType` may be absent (cloud-facts ECS-28).
    const tags = Object.fromEntries(
      (instance.tags?.tag ?? []).flatMap((t) => (t.tagKey ? [[t.tagKey, t.tagValue ?? '']] : [])),
    );
    return [
      {
        instanceId: instance.instanceId,
        regionId: instance.regionId ?? regionId,
        status: instance.status ?? 'Unknown',
        networkType: instance.instanceNetworkType ?? 'vpc',
        tags,
      },
    ];
  });
}

function assertBatch(ids: readonly string[], max: number): void {
  if (ids.length === 0 || ids.length > max)
    throw new RangeError(`expected 1–${max} instance ids, got ${ids.length}`);
}
