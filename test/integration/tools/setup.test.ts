import { spawn } from 'node:child_process';
import MNSClient from '@alicloud/mns/lib/client.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CallLog } from '../../../local/call-log.js';
import { CredentialStore } from '../../../local/credential-store.js';
import { type MnsEmulator, startMnsEmulator } from '../../../local/mns-emulator/index.js';
import { LEASE_BODY } from '../../../shared/alerts/alert-lease.js';
import { encodeRecord } from '../../../shared/dead-letter/dead-letter-record.js';
import { fanoutNames, type SetupStep, setUpFanout } from '../../../tools/setup/failure-fanout.js';
import { childExit, type Exit } from './child-exit.js';

// `npm run setup` against a bare MNS emulator, through the real @alicloud/mns client: what it creates, that a
// second run changes nothing, that it leaves a queue someone tuned alone, and that the fan-out really fans out.

const ACCOUNT = '1234567890123456';
const REGION = 'cn-hangzhou';
const credentials = new CredentialStore();
const key = credentials.issueAccessKey();
const calls = new CallLog();
let emulator: MnsEmulator;
let mns: MNSClient;
let n = 0;
/** A fresh prefix per test: every test gets its own topic and queues on the shared emulator. */
const freshNames = () => fanoutNames(`t${++n}-attacher`);

beforeAll(async () => {
  emulator = await startMnsEmulator({ credentials, accountId: ACCOUNT, calls, timeScale: 0.01 });
  mns = new MNSClient(ACCOUNT, { ...key, endpoint: emulator.url, readTimeout: 5_000, connectTimeout: 2_000 });
});
afterAll(() => emulator?.close());

const queueArn = (queue: string) => `acs:mns:${REGION}:${ACCOUNT}:queues/${queue}`;

function run(names: ReturnType<typeof fanoutNames>, buffered = false): Promise<SetupStep[]> {
  return setUpFanout(mns, { region: REGION, accountId: ACCOUNT, names, buffered });
}

function expectedSteps(names: ReturnType<typeof fanoutNames>, result: SetupStep['result']): SetupStep[] {
  return [
    { resource: `topic ${names.topic}`, result },
    { resource: `queue ${names.retainedQueue}`, result },
    { resource: `queue ${names.alertQueue}`, result },
    { resource: `queue ${names.alertLeaseQueue}`, result },
    { resource: `lease message in ${names.alertLeaseQueue}`, result },
    { resource: `queue ${names.sweepLeaseQueue}`, result },
    { resource: `lease message in ${names.sweepLeaseQueue}`, result },
    {
      resource: `subscription ${names.topic}/${names.retainedQueue} → queue ${names.retainedQueue}`,
      result,
    },
    { resource: `subscription ${names.topic}/${names.alertQueue} → queue ${names.alertQueue}`, result },
  ];
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the call to fail');
}

describe('setUpFanout', () => {
  it('creates the topic, both queues and both SIMPLIFIED subscriptions on the first run', async () => {
    const names = freshNames();
    expect(names).toEqual({
      topic: `t${n}-attacher-failures`,
      retainedQueue: `t${n}-attacher-dlq`,
      alertQueue: `t${n}-attacher-alerts`,
      alertLeaseQueue: `t${n}-attacher-alerts-lease`,
      sweepLeaseQueue: `t${n}-attacher-sweep-lease`,
      bufferQueue: `t${n}-attacher-events`,
      bufferDeadLetterQueue: `t${n}-attacher-events-dlq`,
    });
    calls.clear();
    expect(await run(names)).toEqual(expectedSteps(names, 'created'));
    expect(calls.byAction('mns')).toEqual({ CreateTopic: 1, CreateQueue: 4, SendMessage: 2, Subscribe: 2 });
    // The alert lease: its queue, holding exactly one message.
    expect(emulator.queue(names.alertLeaseQueue).bodies()).toEqual([LEASE_BODY]);
    expect(emulator.queue(names.alertLeaseQueue).visibilityTimeoutSeconds).toBe(90);

    // As the emulator holds them.
    const topic = emulator.topic(names.topic);
    expect(
      [...topic.subscriptions()].map((s) => ({
        name: s.name,
        endpoint: s.endpoint,
        format: s.notifyContentFormat,
        strategy: s.notifyStrategy,
      })),
    ).toEqual(
      [names.alertQueue, names.retainedQueue].map((queue) => ({
        name: queue,
        endpoint: queueArn(queue),
        format: 'SIMPLIFIED',
        strategy: 'BACKOFF_RETRY',
      })),
    );
    expect(emulator.queue(names.retainedQueue).visibilityTimeoutSeconds).toBe(60);
    expect(emulator.queue(names.alertQueue).visibilityTimeoutSeconds).toBe(120);
    expect(() => emulator.queue(names.bufferQueue)).toThrow(/no queue/);
    expect(() => emulator.queue(names.bufferDeadLetterQueue)).toThrow(/no queue/);

    // As the SDK reads them back.
    expect((await mns.getTopicAttributes(names.topic)).body?.TopicName).toBe(names.topic);
    for (const queue of [names.retainedQueue, names.alertQueue]) {
      const subscription = await mns.get(`/topics/${names.topic}/subscriptions/${queue}`, 'Subscription');
      expect(subscription.body).toMatchObject({
        SubscriptionName: queue,
        TopicName: names.topic,
        TopicOwner: ACCOUNT,
        Endpoint: queueArn(queue),
        NotifyStrategy: 'BACKOFF_RETRY',
        NotifyContentFormat: 'SIMPLIFIED',
      });
    }
    expect((await mns.getQueueAttributes(names.retainedQueue)).body?.VisibilityTimeout).toBe('60');
    expect((await mns.getQueueAttributes(names.alertQueue)).body?.VisibilityTimeout).toBe('120');
    expect((await rejection(mns.getQueueAttributes(names.bufferQueue))).name).toBe('MNSQueueNotExistError');
  });

  it('changes nothing on a second run and reports every resource unchanged', async () => {
    const names = freshNames();
    await run(names);
    const subscriptions = () =>
      emulator
        .topic(names.topic)
        .subscriptions()
        .map((s) => [s.name, s.endpoint, s.notifyContentFormat, s.notifyStrategy]);
    const before = subscriptions();
    calls.clear();
    expect(await run(names)).toEqual(expectedSteps(names, 'unchanged'));
    // Every call was answered "already there, the same" (204); nothing was refused or created.
    expect(calls.records.map((r) => `${r.action} ${r.status}`)).toEqual([
      'CreateTopic 204',
      'CreateQueue 204',
      'CreateQueue 204',
      'CreateQueue 204',
      'PeekMessage 200',
      'CreateQueue 204',
      'PeekMessage 200',
      'Subscribe 204',
      'Subscribe 204',
    ]);
    expect(subscriptions()).toEqual(before);
    expect(emulator.queue(names.alertLeaseQueue).size).toBe(1);
  });

  it('puts a lease back when none is visible (lost), and leaves one that is there alone', async () => {
    const names = freshNames();
    await run(names);
    const [lease] = (await mns.batchReceiveMessage(names.alertLeaseQueue, 16)).body ?? [];
    await mns.deleteMessage(names.alertLeaseQueue, lease?.ReceiptHandle ?? '');
    const steps = await run(names);
    expect(steps.find((s) => s.resource === `lease message in ${names.alertLeaseQueue}`)?.result).toBe(
      'created',
    );
    expect(emulator.queue(names.alertLeaseQueue).bodies()).toEqual([LEASE_BODY]);
  });

  it('reports a queue that exists with other attributes as differing and leaves it as it is', async () => {
    const names = freshNames();
    // Someone made the retained queue before, with a visibility timeout of their own.
    emulator.createQueue(names.retainedQueue, { visibilityTimeoutSeconds: 30 });
    const steps = await run(names);
    expect(steps).toEqual(
      expectedSteps(names, 'created').map((step) =>
        step.resource === `queue ${names.retainedQueue}` ? { ...step, result: 'differs' } : step,
      ),
    );
    expect(emulator.queue(names.retainedQueue).visibilityTimeoutSeconds).toBe(30);
    expect((await mns.getQueueAttributes(names.retainedQueue)).body?.VisibilityTimeout).toBe('30');
    // Still subscribed: the fan-out works with the queue as it is.
    expect(
      emulator
        .topic(names.topic)
        .subscriptions()
        .map((s) => s.name)
        .sort(),
    ).toEqual([names.alertQueue, names.retainedQueue]);
    // And it keeps being reported, never changed, on later runs.
    const again = await run(names);
    expect(again.find((s) => s.resource === `queue ${names.retainedQueue}`)?.result).toBe('differs');
    expect(again.filter((s) => s.result !== 'differs').every((s) => s.result === 'unchanged')).toBe(true);
    expect(emulator.queue(names.retainedQueue).visibilityTimeoutSeconds).toBe(30);
  });

  it('adds the buffer queues with the buffered shape, leaving the rest unchanged', async () => {
    const names = freshNames();
    await run(names);
    const steps = await run(names, true);
    expect(steps).toEqual([
      ...expectedSteps(names, 'unchanged').slice(0, 7),
      { resource: `queue ${names.bufferQueue}`, result: 'created' },
      { resource: `queue ${names.bufferDeadLetterQueue}`, result: 'created' },
      ...expectedSteps(names, 'unchanged').slice(7),
    ]);
    expect(emulator.queue(names.bufferQueue).visibilityTimeoutSeconds).toBe(300);
    expect(emulator.queue(names.bufferDeadLetterQueue).visibilityTimeoutSeconds).toBe(60);
    expect((await mns.getQueueAttributes(names.bufferQueue)).body?.VisibilityTimeout).toBe('300');
    // The buffer queues are fed by EventBridge rules, not by the failure topic.
    expect(emulator.topic(names.topic).subscriptions()).toHaveLength(2);
    expect((await run(names, true)).every((s) => s.result === 'unchanged')).toBe(true);
  });

  it('fans a published message out to both queues with its body unchanged (SIMPLIFIED)', async () => {
    const names = freshNames();
    await run(names);
    // What the attach-role function publishes: base64 of a dead-letter record's JSON.
    const body = encodeRecord({
      kind: 'attach-failed',
      version: 1,
      at: '2026-01-01T00:00:00.000Z',
      regionId: REGION,
      instanceId: 'i-bp1aaaaaaaaaaaaaaaa1',
      desiredRole: 'EcsAppRole',
      currentRole: null,
      error: { code: 'InvalidRamRole.NotEcsRole', message: 'not for ECS', class: 'permanent' },
      attempts: 1,
      source: { fcRequestId: 'req-1' },
    });
    const json = '{"timestamp":1,"requestContext":{"condition":"UnhandledInvocationError"}}';
    expect((await mns.publishMessage(names.topic, { MessageBody: body })).code).toBe(201);
    expect((await mns.publishMessage(names.topic, { MessageBody: json })).code).toBe(201);
    await emulator.idle();
    for (const queue of [names.retainedQueue, names.alertQueue]) {
      expect(emulator.queue(queue).bodies()).toEqual([body, json]);
      const received = await mns.batchReceiveMessage(queue, 16, 1);
      expect(received.body?.map((m) => m.MessageBody)).toEqual([body, json]);
    }
  });
});

/** `node --import tsx tools/setup.ts …` with the emulator key as the default chain's environment credentials. */
function cli(args: string[]): Promise<Exit> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'tools/setup.ts', ...args], {
    env: {
      PATH: process.env.PATH,
      ALIBABA_CLOUD_ACCESS_KEY_ID: key.accessKeyId,
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: key.accessKeySecret,
    },
  });
  return childExit(child, 'setup', 15_000);
}

describe('npm run setup (tools/setup.ts)', () => {
  it('lists what it created, then says there is nothing to change; bad arguments exit 2 with the usage', {
    timeout: 30_000,
  }, async () => {
    const prefix = 'cli-attacher';
    const names = fanoutNames(prefix);
    const args = ['--region', REGION, '--account', ACCOUNT, '--prefix', prefix, '--endpoint', emulator.url];

    const first = await cli(args);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toBe(
      [
        `topic ${names.topic}: created`,
        `queue ${names.retainedQueue}: created`,
        `queue ${names.alertQueue}: created`,
        `queue ${names.alertLeaseQueue}: created`,
        `lease message in ${names.alertLeaseQueue}: created`,
        `queue ${names.sweepLeaseQueue}: created`,
        `lease message in ${names.sweepLeaseQueue}: created`,
        `subscription ${names.topic}/${names.retainedQueue} → queue ${names.retainedQueue}: created`,
        `subscription ${names.topic}/${names.alertQueue} → queue ${names.alertQueue}: created`,
        'Created 9 resources.',
        '',
      ].join('\n'),
    );
    expect(emulator.topic(names.topic).subscriptions()).toHaveLength(2);

    const second = await cli(args);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain(`queue ${names.retainedQueue}: exists, unchanged\n`);
    expect(second.stdout.split('\n').filter((l) => l.endsWith(': exists, unchanged'))).toHaveLength(9);
    expect(second.stdout.endsWith('Nothing to change.\n')).toBe(true);

    for (const bad of [
      ['--region', 'Hangzhou', '--account', ACCOUNT, '--endpoint', emulator.url],
      ['--region', REGION, '--endpoint', emulator.url],
      [...args, '--shape', 'sideways'],
      [...args, '--dry-run'],
    ]) {
      const refused = await cli(bad);
      expect({ args: bad, code: refused.code }).toEqual({ args: bad, code: 2 });
      expect(refused.stderr).toContain('usage: npm run setup -- --region <id> --account <uid>');
      expect(refused.stdout).toBe('');
    }
  });
});
