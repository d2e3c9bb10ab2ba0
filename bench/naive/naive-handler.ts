/**
 * The baseline the bench measures us against: what a user starting from the AttachInstanceRamRole API page
 * writes. Per event, per instance, in turn: DescribeInstances (for its tags), DescribeInstanceRamRole, and
 * AttachInstanceRamRole when it has no role yet; with the full generated `@alicloud/ecs20140526` client, its
 * default runtime options (one attempt per call, 3 s timeouts: sdk-wire.md §3.7), and no
 * dead-lettering of its own: any failure is thrown, and FC's async retries and onFailure destination take it.
 *
 * Not product code. It decides roles with our policy (`loadPolicy` + `decide`) and finds instances in events with
 * our decoder, so that the sandbox judges both by the same rules and the bench compares what the issue is about:
 * the ECS calls, the client and the cold start.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import Ecs from '@alicloud/ecs20140526';
import { $OpenApiUtil } from '@alicloud/openapi-core';
import { decodeEvent } from '../../shared/events/decode-event.js';
import type { FcContext } from '../../shared/fc/fc-context.js';
import { decide } from '../../shared/policy/decide.js';
import { loadPolicy } from '../../shared/policy/load-policy.js';

export type NaivePhase = 'config' | 'policy' | 'ready';

export interface NaiveSummary {
  instances: number;
  attached: number;
}

/** Cold start: read the environment and the policy (as YAML), as a user would. */
export function naiveColdStart(
  env: NodeJS.ProcessEnv,
  onPhase?: (phase: NaivePhase) => void,
): (event: Buffer, context: FcContext) => Promise<NaiveSummary> {
  const endpoint = env.ECS_ENDPOINT === undefined ? undefined : new URL(env.ECS_ENDPOINT);
  const policyPath = resolve(env.FC_FUNC_CODE_PATH ?? '.', env.POLICY_FILE ?? 'policy.yaml');
  onPhase?.('config');
  const { policy } = loadPolicy(readFileSync(policyPath, 'utf8'), policyPath);
  onPhase?.('policy');

  const handler = async (event: Buffer, context: FcContext): Promise<NaiveSummary> => {
    const regionId = context.region ?? env.FC_REGION ?? 'cn-hangzhou';
    const client = new Ecs.default(
      new $OpenApiUtil.Config({
        accessKeyId: context.credentials?.accessKeyId,
        accessKeySecret: context.credentials?.accessKeySecret,
        securityToken: context.credentials?.securityToken,
        regionId,
        ...(endpoint === undefined
          ? {}
          : { endpoint: endpoint.host, protocol: endpoint.protocol.replace(':', '') }),
      }),
    );
    const { refs } = decodeEvent(event, { defaultRegionId: regionId });
    let attached = 0;
    for (const ref of refs) {
      const instanceIds = JSON.stringify([ref.instanceId]);
      const described = await client.describeInstances(
        new Ecs.DescribeInstancesRequest({ regionId: ref.regionId, instanceIds }),
      );
      const instance = described.body?.instances?.instance?.[0];
      if (instance === undefined) throw new Error(`instance ${ref.instanceId} not found`);
      const tags = Object.fromEntries(
        (instance.tags?.tag ?? []).map((t) => [t.tagKey ?? '', t.tagValue ?? '']),
      );
      const decision = decide(policy, { instanceId: ref.instanceId, regionId: ref.regionId, tags });
      if (decision.action !== 'attach') continue;
      const roles = await client.describeInstanceRamRole(
        new Ecs.DescribeInstanceRamRoleRequest({ regionId: ref.regionId, instanceIds }),
      );
      const current = roles.body?.instanceRamRoleSets?.instanceRamRoleSet?.[0]?.ramRoleName;
      if (current) continue;
      await client.attachInstanceRamRole(
        new Ecs.AttachInstanceRamRoleRequest({
          regionId: ref.regionId,
          ramRoleName: decision.role,
          instanceIds,
        }),
      );
      attached++;
    }
    return { instances: refs.length, attached };
  };
  onPhase?.('ready');
  return handler;
}
