import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type MNSClient from '@alicloud/mns/lib/client.js';
import {
  type Deployment,
  loadDeployment,
  type MnsStreamTrigger,
} from '../../../local/deployment/deployment.js';

export const ACCOUNT_ID = '1234567890123456';

const FIXTURES = join(import.meta.dirname, '../../fixtures/events');

export const fixture = (name: string) =>
  JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as Record<string, unknown>;

/** The buffered shape as s.yaml renders it, with the event-stream trigger changed by `change`. */
export function bufferedDeployment(change: Partial<MnsStreamTrigger> = {}): Deployment {
  const deployment = loadDeployment({
    accountId: ACCOUNT_ID,
    env: { DEPLOY_SHAPE: 'buffered', FUNCTION_ROLE_ARN: `acs:ram::${ACCOUNT_ID}:role/ram-role-attacher` },
  });
  return {
    ...deployment,
    functions: deployment.functions.map((fn) => ({
      ...fn,
      triggers: fn.triggers.map((t) => (t.kind === 'mns-stream' ? { ...t, ...change } : t)),
    })),
  };
}

export function streamTrigger(deployment: Deployment): MnsStreamTrigger {
  const trigger = deployment.functions.flatMap((fn) => fn.triggers).find((t) => t.kind === 'mns-stream');
  if (trigger?.kind !== 'mns-stream') throw new Error('the buffered shape has no event-stream trigger');
  return trigger;
}

/**
 * The eb-instance-state-pending fixture as it arrives once the instance runs (`data.state` `Running`): the bus
 * routes only that state (deploy/patterns/instance-running.json); the fixture itself (Pending) matches no rule.
 */
export function runningEvent(): Record<string, unknown> {
  const event = fixture('eb-instance-state-pending.json');
  return { ...event, data: { ...(event.data as Record<string, unknown>), state: 'Running' } };
}

/**
 * An instance that reached Running, for one made-up instance, shaped like the eb-instance-state-pending fixture
 * (`data.state`, so the instance-running rule routes it).
 */
export function stateChange(n: number, region = 'cn-hangzhou'): Record<string, unknown> {
  const prefix = region === 'cn-shanghai' ? 'i-uf6app' : 'i-bp1pay';
  const instanceId = `${prefix}${String(900_000_000_000 + n).padStart(14, '0')}`;
  return {
    ...fixture('eb-instance-state-pending.json'),
    id: `evt-${n}`,
    subject: `acs:ecs:${region}:${ACCOUNT_ID}:instance/${instanceId}`,
    aliyunregionid: region,
    data: { resourceId: instanceId, resourceType: 'ALIYUN::ECS::Instance', state: 'Running' },
  };
}

export const instanceOf = (event: Record<string, unknown>) =>
  (event.data as { resourceId: string }).resourceId;

/** Every message now in a queue, received (and deleted) through the SDK, bodies only. */
export async function drainQueue(client: MNSClient, queue: string): Promise<string[]> {
  const bodies: string[] = [];
  for (;;) {
    try {
      const received = await client.batchReceiveMessage(queue, 16);
      bodies.push(...received.body.map((m) => m.MessageBody));
      await client.batchDeleteMessage(
        queue,
        received.body.map((m) => m.ReceiptHandle),
      );
    } catch (error) {
      if (error instanceof Error && error.name === 'MNSMessageNotExistError') return bodies;
      throw error;
    }
  }
}
