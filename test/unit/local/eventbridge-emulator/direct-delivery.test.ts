import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Deployment, loadDeployment } from '../../../../local/deployment/deployment.js';
import {
  type DeliveryRecord,
  type EventBridge,
  startEventBridge,
} from '../../../../local/eventbridge-emulator/index.js';
import { runningEvent, stateChange } from '../../../integration/local/eventbridge-test-helpers.js';
import { FakeInvoker } from './fake-invoker.js';

// Direct shape: default-bus triggers invoke the function once per matching event. FC is not the subject here,
// so the function is a fake invoker; no queue is involved (the MNS endpoint is never called).

const ACCOUNT = '1234567890123456';
const FIXTURES = join(import.meta.dirname, '../../../fixtures/events');
const fixture = (name: string) =>
  JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as Record<string, unknown>;

const direct = () =>
  loadDeployment({
    accountId: ACCOUNT,
    env: { DEPLOY_SHAPE: 'direct', FUNCTION_ROLE_ARN: `acs:ram::${ACCOUNT}:role/ram-role-attacher` },
  });

/** The deployment with every default-bus trigger changed by `change`. */
function withTriggers(deployment: Deployment, change: Record<string, unknown>): Deployment {
  return {
    ...deployment,
    functions: deployment.functions.map((fn) => ({
      ...fn,
      triggers: fn.triggers.map((t) => (t.kind === 'default-bus' ? { ...t, ...change } : t)),
    })),
  };
}

let bridge: EventBridge | undefined;
afterEach(async () => {
  await bridge?.close();
  bridge = undefined;
});

async function start(
  deployment: Deployment,
  invoker: FakeInvoker,
  records: DeliveryRecord[] = [],
  asyncInvocationTypeMeans: 'async' | 'sync' = 'async',
) {
  bridge = await startEventBridge({
    deployment,
    invoker,
    asyncInvocationTypeMeans,
    timeScale: 0.001, // EventBridge's 10–20 s push retries → 10–20 ms
    mns: {
      endpoint: 'http://127.0.0.1:9',
      accountId: ACCOUNT,
      credentials: { accessKeyId: 'x', accessKeySecret: 'y' },
    },
    onDelivery: (record) => records.push(record),
  });
  return bridge;
}

describe('direct delivery', () => {
  it('invokes the function with each matching event, and nothing else; asynchronously when true means async', async () => {
    const deployment = direct();
    const functionName = deployment.functions[0]?.functionName;
    const invoker = new FakeInvoker();
    const records: DeliveryRecord[] = [];
    const eb = await start(deployment, invoker, records);
    const matching = [
      runningEvent(),
      fixture('eb-actiontrail-runinstances.json'),
      fixture('variants/eb-tag-change.json'),
    ];
    const other = [
      fixture('ignored/disk-state-change.json'),
      fixture('eb-instance-state-pending.json'), // a state change, but not to Running
      fixture('timer.json'),
      fixture('variants/eb-actiontrail-stopinstance.json'),
      fixture('fc-destination-failure.json'),
    ];
    for (const event of [...other, ...matching]) eb.publish(event);
    await eb.drain();

    expect(invoker.calls.map((c) => c.payload)).toEqual(matching);
    expect(invoker.calls.every((c) => c.async && c.functionName === functionName)).toBe(true);
    expect(eb.stats().rules).toEqual({
      'instance-running': { target: 'function', enabled: true, matched: 1, delivered: 1, failed: 0 },
      'instance-running-cms': { target: 'function', enabled: true, matched: 0, delivered: 0, failed: 0 },
      'ecs-api-calls': { target: 'function', enabled: true, matched: 1, delivered: 1, failed: 0 },
      'tag-changes': { target: 'function', enabled: true, matched: 1, delivered: 1, failed: 0 },
    });
    expect(records.map((r) => r.kind === 'invoke' && r.route)).toEqual([
      'instance-running',
      'ecs-api-calls',
      'tag-changes',
    ]);
    expect(eb.stats().streams).toEqual({});
  });

  it('reads asyncInvocationType as it is told: true is async under one reading, sync under the other', async () => {
    const runs: Array<['async' | 'sync', boolean, boolean]> = [
      ['async', true, true],
      ['async', false, false],
      ['sync', true, false],
      ['sync', false, true],
    ];
    for (const [means, flag, async] of runs) {
      const invoker = new FakeInvoker();
      const eb = await start(withTriggers(direct(), { asyncInvocationType: flag }), invoker, [], means);
      eb.publish(runningEvent());
      await eb.drain();
      expect(
        invoker.calls.map((c) => c.async),
        `${means}: ${flag}`,
      ).toEqual([async]);
      await eb.close();
      bridge = undefined;
    }
  });

  it('delivers only `data` with eventSchema RawData', async () => {
    const invoker = new FakeInvoker();
    const eb = await start(withTriggers(direct(), { eventSchema: 'RawData' }), invoker);
    const event = fixture('eb-actiontrail-tagresources.json');
    eb.publish(event);
    await eb.drain();
    expect(invoker.calls.map((c) => c.payload)).toEqual([event.data]);
  });

  it('skips disabled triggers', async () => {
    const invoker = new FakeInvoker();
    const eb = await start(withTriggers(direct(), { enabled: false }), invoker);
    eb.publish(runningEvent());
    await eb.drain();
    expect(invoker.calls).toEqual([]);
    expect(eb.stats().rules['instance-running']).toMatchObject({ enabled: false, matched: 0 });
  });

  it('retries a failed push 3 times (EventBridge’s BACKOFF_RETRY, scaled), then drops the event', async () => {
    let n = 0;
    const invoker = new FakeInvoker(() => {
      n++;
      if (n % 2 === 1) return { ok: false, errorType: 'ResourceThrottled' };
      throw new Error('connection refused');
    });
    const records: DeliveryRecord[] = [];
    const eb = await start(direct(), invoker, records);
    eb.publish(stateChange(1));
    await eb.drain();
    expect(invoker.calls).toHaveLength(4);
    expect(eb.stats().rules['instance-running']).toMatchObject({ matched: 1, delivered: 0, failed: 1 });
    expect(records.map((r) => (r.kind === 'invoke' ? [r.attempt, r.ok, r.errorType] : r))).toEqual([
      [0, false, 'ResourceThrottled'],
      [1, false, 'Error: connection refused'],
      [2, false, 'ResourceThrottled'],
      [3, false, 'Error: connection refused'],
      {
        kind: 'dropped',
        route: 'instance-running',
        async: true,
        attempts: 4,
        errorType: 'Error: connection refused',
      },
    ]);
  });

  it('delivers on a retry that succeeds, dropping nothing', async () => {
    let n = 0;
    const invoker = new FakeInvoker(() => ({ ok: ++n > 2 }));
    const records: DeliveryRecord[] = [];
    const eb = await start(direct(), invoker, records);
    eb.publish(stateChange(2, 'cn-shanghai'));
    await eb.drain();
    expect(invoker.calls).toHaveLength(3);
    expect(eb.stats().rules['instance-running']).toMatchObject({ delivered: 1, failed: 0 });
    expect(records.some((r) => r.kind === 'dropped')).toBe(false);
  });

  it('delivers the event as published, not as the caller changes it afterwards', async () => {
    const invoker = new FakeInvoker();
    const eb = await start(direct(), invoker);
    const event = runningEvent();
    eb.publish(event);
    event.type = 'changed';
    await eb.drain();
    expect(invoker.calls.map((c) => (c.payload as { type: string }).type)).toEqual([
      'ecs:Instance:StateChange',
    ]);
  });

  it('refuses to publish an array or after close', async () => {
    const eb = await start(direct(), new FakeInvoker());
    expect(() => eb.publish([] as unknown as Record<string, unknown>)).toThrow(TypeError);
    await eb.close();
    expect(() => eb.publish({})).toThrow(/closed/);
  });
});
