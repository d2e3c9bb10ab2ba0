import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import MNSClient from '@alicloud/mns/lib/client.js';
import { afterEach, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../../local/local-stack.js';
import { parseSeed } from '../../../local/seed.js';
import { coldStart } from '../../../shared/attach/cold-start.js';
import { readDeadLetterMessage } from '../../../shared/dead-letter/dead-letter-message.js';
import { recordInstanceIds } from '../../../shared/dead-letter/dead-letter-record.js';
import { fanoutNames, setUpFanout } from '../../../tools/setup/failure-fanout.js';
import { ACCOUNT, DESIGN_POLICY, fixture, instance } from './harness.js';

let stack: LocalStack | undefined;
afterEach(async () => {
  await stack?.close();
});

describe('dead-letter records published to the failure topic (DEAD_LETTER_TOPIC)', () => {
  it('fan out, one message per instance, to the retained queue and the alert queue', async () => {
    stack = await startLocalStack({
      seed: parseSeed({
        accountId: ACCOUNT,
        roles: [{ name: 'EcsPaymentsRole', trustsEcs: false }],
        instances: [
          instance('i-bp1pay00000000000001', { team: 'payments', env: 'prod' }),
          instance('i-bp1pay00000000000002', { team: 'payments', env: 'prod' }),
        ],
      }),
    });
    const names = fanoutNames('ram-role-attacher');
    const mns = new MNSClient(ACCOUNT, { ...stack.functionKeys, endpoint: stack.mns.url });
    await setUpFanout(mns, { region: 'cn-hangzhou', accountId: ACCOUNT, names, buffered: false });
    const policyFile = join(mkdtempSync(join(tmpdir(), 'policy-')), 'policy.yaml');
    writeFileSync(policyFile, DESIGN_POLICY);
    const { DEAD_LETTER_QUEUE: _queue, ...env } = stack.env({
      POLICY_FILE: policyFile,
      DEAD_LETTER_TOPIC: names.topic,
    });
    const handler = await coldStart(env, { logDestination: { write: () => undefined } });

    const event = [
      JSON.parse(fixture('eb-instance-state-pending.json').toString()),
      {
        ...JSON.parse(fixture('eb-instance-state-pending.json').toString()),
        id: 'other',
        data: { resourceId: 'i-bp1pay00000000000001', state: 'Running' },
      },
    ];
    const summary = await handler(Buffer.from(JSON.stringify(event)), stack.context());
    expect(summary.counts).toEqual({ 'dead-lettered': 2 });
    expect(stack.calls.count('PublishMessage')).toBe(2);
    for (const queue of [names.retainedQueue, names.alertQueue]) {
      const records = stack.mns
        .queue(queue)
        .peekAll()
        .map((m) => readDeadLetterMessage(m.body));
      expect(
        records.map((m) => (m.kind === 'record' ? recordInstanceIds(m.record)[0] : m.kind)).sort(),
      ).toEqual(['i-bp1pay00000000000001', 'i-bp1pay00000000000002']);
    }
  });

  it('retries a non-XML 5xx from a gateway in front of the topic, and fails at once on a non-XML 4xx', async () => {
    stack = await startLocalStack({
      seed: parseSeed({
        accountId: ACCOUNT,
        roles: [{ name: 'EcsPaymentsRole', trustsEcs: false }],
        instances: [instance('i-bp1pay00000000000002', { team: 'payments', env: 'prod' })],
      }),
    });
    const names = fanoutNames('ram-role-attacher');
    const mns = new MNSClient(ACCOUNT, { ...stack.functionKeys, endpoint: stack.mns.url });
    await setUpFanout(mns, { region: 'cn-hangzhou', accountId: ACCOUNT, names, buffered: false });
    const policyFile = join(mkdtempSync(join(tmpdir(), 'policy-')), 'policy.yaml');
    writeFileSync(policyFile, DESIGN_POLICY);
    const { DEAD_LETTER_QUEUE: _queue, ...env } = stack.env({
      POLICY_FILE: policyFile,
      DEAD_LETTER_TOPIC: names.topic,
      BACKOFF_BASE_MS: '10',
      BACKOFF_CAP_MS: '20',
    });
    const handler = await coldStart(env, { logDestination: { write: () => undefined } });
    const event = fixture('eb-instance-state-pending.json');

    stack.mns.faults.add({ op: 'PublishMessage', status: 503, nonXml: true, times: 2 });
    await handler(event, stack.context());
    expect(stack.calls.count('PublishMessage')).toBe(3);
    expect(stack.mns.queue(names.retainedQueue).size).toBe(1);

    // A 4xx the SDK could not read is not worth retrying: the invocation fails, so FC keeps the event.
    stack.mns.faults.add({ op: 'PublishMessage', status: 403, nonXml: true, times: 1 });
    await expect(handler(event, stack.context())).rejects.toMatchObject({
      code: 'DeadLetterUnavailable',
      message: expect.stringContaining('BadResponse: MNS answered PublishMessage with HTTP 403'),
    });
    expect(stack.calls.count('PublishMessage')).toBe(4);
  });

  it('the invocation fails when the topic does not exist, so FC keeps the event', async () => {
    stack = await startLocalStack({
      seed: parseSeed({
        accountId: ACCOUNT,
        roles: [{ name: 'EcsPaymentsRole', trustsEcs: false }],
        instances: [instance('i-bp1pay00000000000002', { team: 'payments', env: 'prod' })],
      }),
    });
    const policyFile = join(mkdtempSync(join(tmpdir(), 'policy-')), 'policy.yaml');
    writeFileSync(policyFile, DESIGN_POLICY);
    const { DEAD_LETTER_QUEUE: _queue, ...env } = stack.env({
      POLICY_FILE: policyFile,
      DEAD_LETTER_TOPIC: 'no-such-topic',
    });
    const handler = await coldStart(env, { logDestination: { write: () => undefined } });
    await expect(
      handler(fixture('eb-instance-state-pending.json'), stack.context({ timeoutSeconds: 3 })),
    ).rejects.toMatchObject({
      code: 'DeadLetterUnavailable',
      message: expect.stringContaining('TopicNotExist'),
    });
  });
});
