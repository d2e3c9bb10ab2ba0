import MNSClient from '@alicloud/mns/lib/client.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CredentialStore } from '../../../local/credential-store.js';
import { type MnsEmulator, startMnsEmulator } from '../../../local/mns-emulator/index.js';
import { startWebhookReceiver, type WebhookReceiver } from '../../../local/webhook-receiver/index.js';
import { alertColdStart } from '../../../shared/alerts/alert-handler.js';
import { type DeadLetterRecord, encodeRecord } from '../../../shared/dead-letter/dead-letter-record.js';
import type { FcContext } from '../../../shared/fc/fc-context.js';

const ACCOUNT = '1234567890123456';
const SECRET = 'webhook-signing-secret';
const QUEUE = 'ram-role-attacher-alerts';

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

function handler(env: Record<string, string> = {}) {
  return alertColdStart(
    { ALERT_WEBHOOK: receiver.urls.webhook, ALERT_WEBHOOK_SECRET: SECRET, ALERT_GATHER_SECONDS: '2', ...env },
    { logDestination: { write: (line) => void logs.push(line) } },
  );
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
  async function queueWith(records: DeadLetterRecord[]): Promise<MNSClient> {
    mns = await startMnsEmulator({ credentials, accountId: ACCOUNT, queues: [QUEUE] });
    const client = new MNSClient(ACCOUNT, { ...keys, endpoint: mns.url });
    for (const r of records) await client.sendMessage(QUEUE, { MessageBody: encodeRecord(r) });
    return client;
  }

  it('turns a burst into one alert per group, listing the first instances, and empties the queue', async () => {
    const burst = Array.from({ length: 30 }, (_, i) => record(i + 1));
    await queueWith([
      ...burst,
      record(99, {
        desiredRole: 'EcsAppRole',
        error: { code: 'InvalidUser.PassRoleForbidden', message: 'no', class: 'permanent' },
      }),
    ]);
    const handle = handler({ ALERT_QUEUE: QUEUE, MNS_ENDPOINT: mns?.url ?? '' });
    const summary = await handle(Buffer.from(encodeRecord(record(1))), context());
    expect(summary).toMatchObject({ records: 31, groups: 2 });
    const alerts = alertsOf();
    expect(alerts.map((a) => [a.code, a.count, (a.instances as unknown[]).length, a.more])).toEqual([
      ['InvalidRamRole.NotEcsRole', 30, 10, 20],
      ['InvalidUser.PassRoleForbidden', 1, 1, 0],
    ]);
    expect(mns?.queue(QUEUE).size).toBe(0);

    // The other wake-ups of the same burst find nothing left: no second alert.
    const again = await handle(Buffer.from(encodeRecord(record(2))), context('alert-req-2'));
    expect(again.records).toBe(0);
    expect(receiver.received).toHaveLength(2);
  });

  it('gathers failures that trickle in while it waits into the same alert', async () => {
    const client = await queueWith([record(1)]);
    const handle = handler({ ALERT_QUEUE: QUEUE, MNS_ENDPOINT: mns?.url ?? '' });
    const later = new Promise<void>((resolve) =>
      setTimeout(
        () => void client.sendMessage(QUEUE, { MessageBody: encodeRecord(record(2)) }).then(() => resolve()),
        500,
      ),
    );
    const summary = await handle(Buffer.from('wake up'), context());
    await later;
    expect(summary).toMatchObject({ records: 2, groups: 1 });
    expect(alertsOf().map((a) => a.count)).toEqual([2]);
  });

  it('keeps the messages when a target still fails after its retries, and fails the invocation so it is retried', async () => {
    await queueWith([record(1), record(2)]);
    receiver.faults.add({ target: 'webhook', status: 503, times: 100 });
    const handle = handler({ ALERT_QUEUE: QUEUE, MNS_ENDPOINT: mns?.url ?? '' });
    await expect(handle(Buffer.from('wake up'), context())).rejects.toMatchObject({
      code: 'AlertDeliveryFailed',
    });
    // Received (in flight) but not deleted: they come back after the visibility timeout.
    expect(mns?.queue(QUEUE).size).toBe(2);
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
