import MNSClient from '@alicloud/mns/lib/client.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CredentialStore } from '../../../local/credential-store.js';
import { type MnsEmulator, startMnsEmulator } from '../../../local/mns-emulator/index.js';
import { startWebhookReceiver, type WebhookReceiver } from '../../../local/webhook-receiver/index.js';
import { type AlertRuntime, alertColdStart } from '../../../shared/alerts/alert-handler.js';
import { LEASE_BODY } from '../../../shared/alerts/alert-lease.js';
import { type DeadLetterRecord, encodeRecord } from '../../../shared/dead-letter/dead-letter-record.js';
import type { FcContext } from '../../../shared/fc/fc-context.js';

const ACCOUNT = '1234567890123456';
const SECRET = 'webhook-signing-secret';
const QUEUE = 'ram-role-attacher-alerts';
const LEASE = 'ram-role-attacher-alerts-lease';
/** The MNS emulator's queue clock runs this far ahead of the wall clock: a redelivery is a step, not a wait. */
let skew = 0;
/** Retries back off without waiting. */
const instant: AlertRuntime = { sleep: async () => undefined };

const record = (n: number, overrides: Partial<DeadLetterRecord> = {}): DeadLetterRecord => ({
  kind: 'attach-failed',
  version: 1,
  at: '2026-11-29T04:00:00.000Z',
  accountId: ACCOUNT,
  regionId: 'cn-hangzhou',
  instanceId: `i-bp1bld${String(n).padStart(14, '0')}`,
  desiredRole: 'EcsBuildAgentRole',
  currentRole: null,
  rule: 'build-agents',
  error: { code: 'InvalidRamRole.NotEcsRole', message: 'not authorized for ecs', class: 'permanent' },
  attempts: 1,
  source: { eventId: `e-${n}`, eventType: 'ecs:Instance:StateChange', fcRequestId: 'fc-1' },
  ...overrides,
});

let receiver: WebhookReceiver;
let mns: MnsEmulator | undefined;
let logs: string[];
const credentials = new CredentialStore();
const keys = credentials.issueSts();

beforeEach(async () => {
  receiver = await startWebhookReceiver({ secrets: { webhook: SECRET } });
  logs = [];
  skew = 0;
});
afterEach(async () => {
  await receiver.close();
  await mns?.close();
  mns = undefined;
});

const context = (requestId = 'alert-req-1'): FcContext => ({
  requestId,
  credentials: { ...keys },
  function: { name: 'ram-role-attacher-alert', timeout: 20 },
  region: 'cn-hangzhou',
  accountId: ACCOUNT,
});

/** One cold start: one function instance, with its own memory of what it alerted. */
function handler(env: Record<string, string> = {}, runtime: AlertRuntime = {}) {
  return alertColdStart(
    { ALERT_WEBHOOK: receiver.urls.webhook, ALERT_WEBHOOK_SECRET: SECRET, ALERT_GATHER_SECONDS: '2', ...env },
    { logDestination: { write: (line) => void logs.push(line) }, ...runtime },
  );
}

/** Polls what the emulator holds until `condition` does (bounded): acts on state, never on elapsed time. */
async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 1_000; i++) {
    if (condition()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`never happened: ${what}`);
}

const alertsOf = () =>
  receiver.received.map((r) => {
    expect(r.problems).toEqual([]);
    return (r.body as { alert: Record<string, unknown> }).alert;
  });

describe('dead-letter-alert, handed the failures directly (no alert queue)', () => {
  it('alerts on a topic notification in STREAM form (the record itself)', async () => {
    const summary = await handler()(Buffer.from(encodeRecord(record(1))), context());
    expect(summary).toMatchObject({ records: 1, groups: 1 });
    const [alert] = alertsOf();
    expect(alert).toMatchObject({
      kind: 'attach-failed',
      code: 'InvalidRamRole.NotEcsRole',
      role: 'EcsBuildAgentRole',
      count: 1,
      advice: expect.stringContaining('ecs.aliyuncs.com'),
      instances: [
        {
          instanceId: 'i-bp1bld00000000000001',
          consoleUrl: expect.stringContaining('i-bp1bld00000000000001'),
        },
      ],
    });
  });

  it('alerts on a topic notification in JSON form', async () => {
    const notification = {
      TopicOwner: ACCOUNT,
      TopicName: 'ram-role-attacher-failures',
      Subscriber: ACCOUNT,
      SubscriptionName: 'fc',
      MessageId: 'm-1',
      MessageMD5: 'x',
      Message: encodeRecord(record(2)),
      PublishTime: 1795838400000,
    };
    await handler()(Buffer.from(JSON.stringify(notification)), context());
    expect(alertsOf()[0]).toMatchObject({ count: 1, instances: [{ instanceId: 'i-bp1bld00000000000002' }] });
  });

  it('alerts on an FC onFailure record, naming the instances of the event FC gave up on', async () => {
    const failure = {
      timestamp: 1795838400000,
      requestContext: {
        requestId: 'r-9',
        functionArn: `acs:fc:cn-hangzhou:${ACCOUNT}:functions/ecs-ram-role-attacher`,
        condition: 'UnhandledInvocationError',
        approximateInvokeCount: 4,
      },
      requestPayload: JSON.stringify({
        id: 'e-9',
        source: 'acs.ecs',
        specversion: '1.0',
        type: 'ecs:Instance:StateChange',
        aliyunregionid: 'cn-hangzhou',
        data: { resourceId: 'i-bp1pay00000000000009', state: 'Running' },
      }),
      responseContext: { statusCode: 200, functionError: 'UnhandledInvocationError' },
      responsePayload: JSON.stringify({
        errorMessage: 'dead-letter topic unavailable',
        errorType: 'DeadLetterUnavailableError',
      }),
    };
    await handler()(Buffer.from(JSON.stringify(failure)), context());
    expect(alertsOf()[0]).toMatchObject({
      kind: 'fc-failure',
      code: 'UnhandledInvocationError',
      message: 'DeadLetterUnavailableError: dead-letter topic unavailable',
      instances: [{ instanceId: 'i-bp1pay00000000000009' }],
    });
  });

  it('alerts on a message it cannot read, as such, instead of dropping it', async () => {
    await handler()(Buffer.from('definitely not a record'), context());
    expect(alertsOf()[0]).toMatchObject({
      kind: 'unreadable',
      code: 'UnreadableRecord',
      sample: 'definitely not a record',
    });
  });

  it('does nothing on a timer tick', async () => {
    const summary = await handler()(
      Buffer.from(JSON.stringify({ triggerTime: 'x', triggerName: 'sweep', payload: '' })),
      context(),
    );
    expect(summary).toEqual({ records: 0, groups: 0, targets: [] });
    expect(receiver.received).toEqual([]);
  });
});

describe('dead-letter-alert draining its alert queue', () => {
  async function queueWith(
    records: DeadLetterRecord[],
    options: { lease?: boolean } = {},
  ): Promise<MNSClient> {
    mns = await startMnsEmulator({
      credentials,
      accountId: ACCOUNT,
      queues: options.lease ? [QUEUE, LEASE] : [QUEUE],
      now: () => Date.now() + skew,
    });
    const client = new MNSClient(ACCOUNT, { ...keys, endpoint: mns.url });
    for (const r of records) await client.sendMessage(QUEUE, { MessageBody: encodeRecord(r) });
    if (options.lease) await client.sendMessage(LEASE, { MessageBody: LEASE_BODY });
    return client;
  }
  const queueEnv = () => ({ ALERT_QUEUE: QUEUE, MNS_ENDPOINT: mns?.url ?? '' });
  const wake = (r: DeadLetterRecord) => Buffer.from(encodeRecord(r));
  const sweep = Buffer.from(
    JSON.stringify({ triggerTime: 'x', triggerName: 'sweep', payload: '{"sweep":true}' }),
  );
  const inFlight = () =>
    mns
      ?.queue(QUEUE)
      .peekAll()
      .filter((m) => m.state === 'inFlight').length ?? 0;

  it('turns a burst into one alert per group, listing the first instances, and empties the queue', async () => {
    const burst = Array.from({ length: 30 }, (_, i) => record(i + 1));
    await queueWith([
      ...burst,
      record(99, {
        desiredRole: 'EcsAppRole',
        error: { code: 'InvalidUser.PassRoleForbidden', message: 'no', class: 'permanent' },
      }),
    ]);
    const handle = handler(queueEnv());
    const summary = await handle(wake(record(1)), context());
    expect(summary).toMatchObject({ records: 31, groups: 2 });
    const alerts = alertsOf();
    expect(alerts.map((a) => [a.code, a.count, (a.instances as unknown[]).length, a.more])).toEqual([
      ['InvalidRamRole.NotEcsRole', 30, 10, 20],
      ['InvalidUser.PassRoleForbidden', 1, 1, 0],
    ]);
    expect(mns?.queue(QUEUE).size).toBe(0);

    // The other wake-ups of the same burst find nothing left: no second alert.
    const again = await handle(sweep, context('alert-req-2'));
    expect(again.records).toBe(0);
    expect(receiver.received).toHaveLength(2);
  });

  it('takes everything already queued even with no gather window', async () => {
    await queueWith(Array.from({ length: 40 }, (_, i) => record(i + 1)));
    const summary = await handler({ ...queueEnv(), ALERT_GATHER_SECONDS: '0' })(wake(record(1)), context());
    expect(summary).toMatchObject({ records: 40, groups: 1 });
    expect(alertsOf().map((a) => a.count)).toEqual([40]);
  });

  it('ends a wake-up for records it alerted already at once, without a call to MNS', async () => {
    await queueWith([record(1), record(2)]);
    const handle = handler(queueEnv());
    await handle(wake(record(1)), context());
    const calls = mns?.calls.records.length;
    // Record 2's own wake-up, which FC ran after the first (one instance at a time).
    expect(await handle(wake(record(2)), context('alert-req-2'))).toEqual({
      records: 0,
      groups: 0,
      targets: [],
      skipped: 'already-alerted',
    });
    expect(mns?.calls.records.length).toBe(calls);
    expect(receiver.received).toHaveLength(1);
  });

  it('gathers failures that trickle in while it waits into the same alert', async () => {
    const client = await queueWith([record(1)]);
    let clock = Date.now();
    const handle = handler(queueEnv(), { now: () => clock });
    const run = handle(wake(record(1)), context());
    // Record 2 fails after the run has taken record 1, and arrives while it gathers.
    await until(() => inFlight() === 1, 'record 1 taken');
    await client.sendMessage(QUEUE, { MessageBody: encodeRecord(record(2)) });
    await until(() => inFlight() === 2, 'record 2 taken');
    clock += 2_000; // the gather window closes
    expect(await run).toMatchObject({ records: 2, groups: 1 });
    expect(alertsOf().map((a) => a.count)).toEqual([2]);
  });

  it('two instances woken by one burst: the lease lets one drain it, so each group is alerted once', async () => {
    // 20 instances, each failing twice (the launch's state change and its RunInstances call): 40 records.
    const burst = Array.from({ length: 40 }, (_, i) =>
      record((i % 20) + 1, { source: { eventId: `e-${i}`, fcRequestId: `fc-${i}` } }),
    );
    await queueWith(burst, { lease: true });
    const env = { ...queueEnv(), ALERT_LEASE_QUEUE: LEASE, ALERT_GATHER_SECONDS: '1' };
    const [a, b] = [handler(env), handler(env)];
    const summaries = await Promise.all([
      a(wake(burst[0] as DeadLetterRecord), context('alert-a')),
      b(wake(burst[1] as DeadLetterRecord), context('alert-b')),
    ]);
    expect(summaries.map((s) => s.records).sort((x, y) => x - y)).toEqual([0, 40]);
    expect(summaries.map((s) => s.lease)).toEqual(['held', 'held']);
    expect(alertsOf().map((alert) => [alert.code, alert.count])).toEqual([['InvalidRamRole.NotEcsRole', 20]]);
    expect(mns?.queue(QUEUE).size).toBe(0);
    expect(mns?.queue(LEASE).size).toBe(1);
  });

  it('keeps the messages when a target still fails after its retries, and fails the invocation so it is retried', async () => {
    await queueWith([record(1), record(2)]);
    receiver.faults.add({ target: 'webhook', status: 503, times: 100 });
    const handle = handler(queueEnv(), instant);
    await expect(handle(wake(record(1)), context())).rejects.toMatchObject({
      code: 'AlertDeliveryFailed',
    });
    // Received (in flight) but not deleted: they come back after the visibility timeout.
    expect(mns?.queue(QUEUE).size).toBe(2);
    expect(inFlight()).toBe(2);
  });
});

describe('dead-letter-alert when the alert queue cannot delete what it alerted', () => {
  async function queueWith(records: DeadLetterRecord[]): Promise<void> {
    mns = await startMnsEmulator({
      credentials,
      accountId: ACCOUNT,
      queues: [QUEUE],
      now: () => Date.now() + skew,
    });
    const client = new MNSClient(ACCOUNT, { ...keys, endpoint: mns.url });
    for (const r of records) await client.sendMessage(QUEUE, { MessageBody: encodeRecord(r) });
  }
  const env = () => ({ ALERT_QUEUE: QUEUE, MNS_ENDPOINT: mns?.url ?? '' });
  const sweep = Buffer.from(
    JSON.stringify({ triggerTime: 'x', triggerName: 'sweep', payload: '{"sweep":true}' }),
  );
  const deletes = (status: number) => mns?.calls.count('BatchDeleteMessage', { status }) ?? 0;
  const queueAhead = () =>
    (mns?.queue(QUEUE).peekAll() ?? []).map((m) => m.nextVisibleTime - (Date.now() + skew));

  it('retries the delete, then parks the messages, and no run alerts them again', async () => {
    await queueWith([record(1), record(2)]);
    mns?.faults.add({ op: 'BatchDeleteMessage', queue: QUEUE, status: 503, times: 4 });
    const handle = handler(env(), instant);
    expect(await handle(Buffer.from(encodeRecord(record(1))), context())).toMatchObject({
      records: 2,
      groups: 1,
      undeleted: 2,
    });
    expect(alertsOf()).toHaveLength(1);
    expect(deletes(503)).toBe(4);
    // Hidden for 12 hours (MNS's longest) instead of the queue's 30 s.
    for (const ahead of queueAhead()) expect(ahead).toBeGreaterThan(12 * 3600_000 - 60_000);
    expect(logs.join('')).toContain('will not be alerted again');

    // MNS recovers; the visibility timeout passes. Another instance (a new cold start) sees nothing…
    skew += 31_000;
    expect(await handler(env(), instant)(sweep, context('other-instance'))).toMatchObject({ records: 0 });
    // …and this one deletes what it still had to, first thing on its next run.
    expect(await handle(sweep, context('next-run'))).toMatchObject({ records: 0, repeated: 0, undeleted: 0 });
    expect(deletes(204)).toBeGreaterThanOrEqual(1);
    expect(mns?.queue(QUEUE).size).toBe(0);
    expect(receiver.received).toHaveLength(1);
  });

  it('when even parking fails, the records come back and are deleted without a second alert', async () => {
    await queueWith([record(1), record(2)]);
    mns?.faults.add({ op: 'BatchDeleteMessage', queue: QUEUE, status: 503, times: 4 });
    mns?.faults.add({ op: 'ChangeMessageVisibility', queue: QUEUE, status: 503, times: 2 });
    const handle = handler(env(), instant);
    expect(await handle(Buffer.from(encodeRecord(record(1))), context())).toMatchObject({
      records: 2,
      undeleted: 2,
    });
    // The queue's visibility timeout passes: MNS hands them over again, with new receipt handles.
    skew += 31_000;
    expect(await handle(sweep, context('next-run'))).toMatchObject({ records: 0, repeated: 2, undeleted: 0 });
    expect(mns?.queue(QUEUE).size).toBe(0);
    expect(receiver.received).toHaveLength(1);
  });
});

describe('dead-letter-alert configuration and logs', () => {
  it('refuses to start without a target, naming the variables', () => {
    expect(() => alertColdStart({ LOG_LEVEL: 'info' })).toThrow(/DINGTALK_WEBHOOK|ALERT_WEBHOOK/);
  });

  it('treats empty variables (s.yaml leaves unused targets empty) as unset', async () => {
    const handle = handler({ DINGTALK_WEBHOOK: '', SLACK_WEBHOOK: '', PAGERDUTY_ROUTING_KEY: '' });
    await handle(Buffer.from(encodeRecord(record(1))), context());
    expect(receiver.received.map((r) => r.target)).toEqual(['webhook']);
  });

  it('never logs a webhook URL, token or signing secret, and every line carries the request id', async () => {
    await handler({ LOG_LEVEL: 'debug' })(Buffer.from(encodeRecord(record(1))), context('req-logs'));
    const all = logs.join('');
    expect(all).not.toContain(receiver.urls.webhook);
    expect(all).not.toContain(SECRET);
    expect(all).not.toContain(keys.accessKeySecret);
    const lines = logs.map((l) => JSON.parse(l) as { requestId?: string; msg?: string });
    expect(lines.find((l) => l.msg === 'summary')).toMatchObject({ requestId: 'req-logs' });
  });
});
