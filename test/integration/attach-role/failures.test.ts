import { afterEach, describe, expect, it } from 'vitest';
import { recordInstanceIds } from '../../../shared/dead-letter/dead-letter-record.js';
import {
  ACCOUNT,
  fixture,
  type Harness,
  ids,
  instance,
  startHarness,
  stateChange,
  virtualClock,
} from './harness.js';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

const payments = (id: string, extra = {}) => instance(id, { team: 'payments', env: 'prod' }, extra);

describe('failures end in the dead-letter queue, never lost', () => {
  it('NotEcsRole: one dead-letter record, read back from MNS through the SDK, with the documented fields', async () => {
    h = await startHarness({ seed: { instances: [payments('i-bp1pay00000000000002')] } });
    h.stack.ecs.state.setRoleTrustsEcs('EcsPaymentsRole', false);
    const summary = await h.invoke(fixture('eb-instance-state-pending.json'), { requestId: 'fc-req-1' });
    expect(summary.results[0]).toMatchObject({
      outcome: 'dead-lettered',
      error: { code: 'InvalidRamRole.NotEcsRole' },
    });

    const received = await h.stack.mnsClient().receiveMessage(h.stack.deadLetterQueue);
    const record = JSON.parse(Buffer.from(received.body?.MessageBody ?? '', 'base64').toString('utf8'));
    expect(record).toEqual({
      kind: 'attach-failed',
      version: 1,
      at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      accountId: ACCOUNT,
      regionId: 'cn-hangzhou',
      instanceId: 'i-bp1pay00000000000002',
      desiredRole: 'EcsPaymentsRole',
      currentRole: null,
      rule: 'payments',
      error: {
        code: 'InvalidRamRole.NotEcsRole',
        message: expect.stringContaining('not authorized for ecs'),
        class: 'permanent',
        requestId: expect.any(String),
      },
      attempts: 1,
      source: {
        eventId: '6f1c2a3b-0000-4000-8000-000000000001',
        eventType: 'ecs:Instance:StateChange',
        fcRequestId: 'fc-req-1',
      },
    });
    expect(h.stack.mns.queue(h.stack.deadLetterQueue).size).toBe(1);
  });

  it('Throttling twice, then success: attached', async () => {
    h = await startHarness({ seed: { instances: [payments('i-bp1pay00000000000002')] } });
    h.stack.ecs.faults.add({ action: 'AttachInstanceRamRole', code: 'Throttling.User', times: 2 });
    const summary = await h.invoke(fixture('eb-instance-state-pending.json'));
    expect(summary.counts).toEqual({ attached: 1 });
    expect(h.stack.calls.count('AttachInstanceRamRole', { code: 'Throttling.User' })).toBe(2);
    expect(h.stack.calls.count('AttachInstanceRamRole', { status: 200 })).toBe(1);
    expect(h.stack.deadLetters()).toEqual([]);
  });

  it('honours retry-after from a throttled answer', async () => {
    const clock = virtualClock();
    h = await startHarness({ seed: { instances: [payments('i-bp1pay00000000000002')] }, clock });
    h.stack.ecs.faults.add({ action: 'AttachInstanceRamRole', code: 'Throttling', retryAfterMs: 400 });
    await h.invoke(fixture('eb-instance-state-pending.json'));
    const attaches = h.stack.calls.records.filter((r) => r.action === 'AttachInstanceRamRole');
    expect(attaches).toHaveLength(2);
    // The backoff alone would wait at most 20 ms (BACKOFF_BASE_MS): the 400 ms ECS asked for is what it waited.
    expect(clock.sleeps).toEqual([400]);
  });

  it('persistent 503: dead-lettered as deadline, and the handler returns before a 3-second function timeout', async () => {
    // Attempts are not the limit here: only the deadline can stop the retries. On a clock that moves only when
    // the function waits, the time it takes is the waits it chose, whatever the machine's load.
    const clock = virtualClock();
    h = await startHarness({
      seed: { instances: [payments('i-bp1pay00000000000002')] },
      env: { MAX_ATTEMPTS: '50' },
      clock,
    });
    h.stack.ecs.faults.add({
      action: 'AttachInstanceRamRole',
      code: 'ServiceUnavailable',
      times: Number.POSITIVE_INFINITY,
    });
    const summary = await h.invoke(fixture('eb-instance-state-pending.json'), { timeoutSeconds: 3 });
    // Its deadline is FC's 3 s less the 0.5 s margin (deadlineMarginMs), on this clock, which only its waits move:
    // never past it, and it used the time it had, waits (≤ 200 ms each) up to within one wait of it.
    expect(clock.elapsed()).toBeLessThanOrEqual(2_500);
    expect(clock.elapsed()).toBeGreaterThan(2_300);
    expect(clock.sleeps.length).toBe(h.stack.calls.count('AttachInstanceRamRole') - 1);
    expect(summary.results[0]).toMatchObject({
      outcome: 'dead-lettered',
      reason: 'deadline',
      error: { code: 'ServiceUnavailable' },
    });
    const [record] = h.stack.deadLetters();
    expect(record).toMatchObject({
      kind: 'deadline',
      error: { code: 'ServiceUnavailable', class: 'retryable' },
    });
    expect(record?.attempts).toBeGreaterThan(1);
  });

  it('MNS down: the invocation throws, so FC retries the event', async () => {
    h = await startHarness({ seed: { instances: [payments('i-bp1pay00000000000002')] } });
    h.stack.ecs.state.setRoleTrustsEcs('EcsPaymentsRole', false);
    await h.stack.mns.close();
    await expect(
      h.invoke(fixture('eb-instance-state-pending.json'), { timeoutSeconds: 3 }),
    ).rejects.toMatchObject({
      name: 'DeadLetterUnavailableError',
      code: 'DeadLetterUnavailable',
    });
  });

  it('MNS answering 503 then recovering: the records still land', async () => {
    h = await startHarness({ seed: { instances: [payments('i-bp1pay00000000000002')] } });
    h.stack.ecs.state.setRoleTrustsEcs('EcsPaymentsRole', false);
    h.stack.mns.faults.add({ op: 'BatchSendMessage', status: 503, times: 2, nonXml: true });
    await h.invoke(fixture('eb-instance-state-pending.json'));
    expect(h.stack.deadLetters()).toHaveLength(1);
  });

  it('replace whose attach fails: replace-failed names the role that was removed', async () => {
    h = await startHarness({
      seed: { instances: [payments('i-bp1pay00000000000001', { role: 'EcsAppRole' })] },
      policy: (await import('./harness.js')).DESIGN_POLICY.replace(
        /^onExistingRole: \w+/m,
        'onExistingRole: replace',
      ),
    });
    h.stack.ecs.state.setRoleTrustsEcs('EcsPaymentsRole', false);
    const summary = await h.invoke(stateChange('i-bp1pay00000000000001'));
    expect(summary.results[0]).toMatchObject({
      outcome: 'dead-lettered',
      reason: 'replace-failed',
      previousRole: 'EcsAppRole',
    });
    expect(h.stack.deadLetters()[0]).toMatchObject({
      kind: 'replace-failed',
      currentRole: null,
      previousRole: 'EcsAppRole',
      desiredRole: 'EcsPaymentsRole',
      error: { code: 'InvalidRamRole.NotEcsRole' },
    });
  });

  it('a per-instance failure inside HTTP 200 fails only that instance', async () => {
    const [a, b, c] = ids('pay', 3) as [string, string, string];
    h = await startHarness({ seed: { instances: [payments(a), payments(b), payments(c)] } });
    h.stack.ecs.faults.add({
      action: 'AttachInstanceRamRole',
      code: 'InvalidUser.PassRoleForbidden',
      instanceId: b,
    });
    const summary = await h.invoke([a, b, c].map((id) => stateChange(id)));
    expect(summary.results.map((r) => r.outcome)).toEqual(['attached', 'dead-lettered', 'attached']);
    expect(h.stack.deadLetters().map((r) => [recordInstanceIds(r)[0], r.error.code])).toEqual([
      [b, 'InvalidUser.PassRoleForbidden'],
    ]);
  });

  it('a per-instance retryable failure (instance still starting) is retried for that instance only', async () => {
    const [a, b] = ids('pay', 2) as [string, string];
    h = await startHarness({ seed: { instances: [payments(a), payments(b)] } });
    h.stack.ecs.faults.add({
      action: 'AttachInstanceRamRole',
      code: 'IncorrectInstanceStatus',
      instanceId: b,
      times: 2,
    });
    const summary = await h.invoke([a, b].map((id) => stateChange(id)));
    expect(summary.counts).toEqual({ attached: 2 });
    const attachCalls = h.stack.calls.records.filter((r) => r.action === 'AttachInstanceRamRole');
    expect(attachCalls.map((r) => JSON.parse(r.params.InstanceIds ?? '[]'))).toEqual([[a, b], [b], [b]]);
  });

  it('an instance a creation event names before ECS lists it is waited for, then attached', async () => {
    const clock = virtualClock();
    h = await startHarness({ seed: { instances: [] }, clock });
    const id = 'i-bp1pay00000000000007';
    // ECS lists the instance while the function waits for the second time.
    clock.onSleep = (n) => {
      if (n === 2) {
        h.stack.ecs.state.addInstance({ id, region: 'cn-hangzhou', tags: { team: 'payments', env: 'prod' } });
      }
    };
    const summary = await h.invoke(stateChange(id, 'Pending'));
    expect(summary.results[0]).toMatchObject({ outcome: 'attached', role: 'EcsPaymentsRole' });
    expect(h.stack.calls.count('DescribeInstances')).toBe(3);
  });

  it('an instance that no longer exists is skipped as not-found (a tag change is not a creation)', async () => {
    h = await startHarness({ seed: { instances: [] } });
    const summary = await h.invoke(fixture('eb-actiontrail-tagresources.json'));
    expect(summary.results.map((r) => r.outcome)).toEqual(['skipped', 'skipped']);
    expect(summary.results[0]?.reason).toBe('not-found');
    expect(h.stack.calls.count('DescribeInstances')).toBe(1);
  });
});

describe('one bad id does not poison the event (issue 9)', () => {
  /** The RunInstances fixture, naming `named` (in referencedResources and responseElements, as ActionTrail does). */
  function runInstances(named: string[]) {
    const trail = JSON.parse(fixture('eb-actiontrail-runinstances.json').toString('utf8'));
    trail.data.referencedResources['ACS::ECS::Instance'] = named;
    trail.data.responseElements.InstanceIdSets.InstanceIdSet = named;
    trail.data.requestParameters.Amount = named.length;
    return trail;
  }

  it('RunInstances naming 8 instances, one id malformed: 7 attached, 1 poison record naming that id and its path', async () => {
    const good = ids('pay', 7);
    h = await startHarness({ seed: { instances: good.map((id) => payments(id)) } });
    const named = [...good.slice(0, 3), 'i-NOT_AN_ID', ...good.slice(3)];
    const summary = await h.invoke(runInstances(named), { requestId: 'fc-req-8' });

    expect(summary.results.map((r) => [r.instanceId, r.outcome])).toEqual(good.map((id) => [id, 'attached']));
    expect(h.stack.deadLetters()).toEqual([
      {
        kind: 'poison',
        version: 1,
        at: expect.any(String),
        accountId: ACCOUNT,
        regionId: 'cn-hangzhou',
        error: {
          code: 'InvalidEvent.InstanceId',
          message:
            '/data/referencedResources/ACS::ECS::Instance/3: "i-NOT_AN_ID" is not a valid ECS instance id',
          class: 'permanent',
        },
        attempts: 1,
        source: {
          eventId: '6f1c2a3b-0000-4000-8000-000000000002',
          eventType: 'actiontrail:ActionTrail:ApiCall',
          fcRequestId: 'fc-req-8',
        },
        path: '/data/referencedResources/ACS::ECS::Instance/3',
        value: 'i-NOT_AN_ID',
      },
    ]);
    const summaryLine = h.logs.find((l) => l.msg === 'summary');
    expect(summaryLine).toMatchObject({ instances: 7, poison: 1, deadLetters: 1 });
  });

  it('RunInstances naming 10,000 valid instances: every one reconciled in batches, no poison', async () => {
    const many = ids('bulk', 10_000);
    h = await startHarness({ seed: { instances: many.map((id) => instance(id, { team: 'nobody' })) } });
    const summary = await h.invoke(runInstances(many));
    expect(summary.counts).toEqual({ 'no-rule': 10_000 });
    expect(h.stack.deadLetters()).toEqual([]);
    // ≤ 100 instances per ECS call.
    expect(h.stack.calls.count('DescribeInstances')).toBe(100);
  });
});

describe('untrusted events', () => {
  it.each([
    ['malformed/not-json.txt', 'InvalidEvent.NotJson'],
    ['malformed/bad-instance-id.json', 'InvalidEvent.InstanceId'],
    ['malformed/bad-region.json', 'InvalidEvent.RegionId'],
    ['malformed/empty-object.json', 'InvalidEvent.UnknownEnvelope'],
  ])('%s: a poison record, a log line, no ECS call, and the invocation succeeds', async (file, code) => {
    h = await startHarness({ seed: { instances: [] } });
    const summary = await h.invoke(fixture(file));
    expect(summary.results).toEqual([]);
    expect(h.stack.calls.byAction('ecs')).toEqual({});
    const records = h.stack.deadLetters();
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ kind: 'poison', error: { code, class: 'permanent' } });
    // The record carries the event as it came (these are small enough not to be cut): JSON as JSON, else text.
    const text = fixture(file).toString('utf8');
    expect(records[0]).toMatchObject({ event: file.endsWith('.json') ? JSON.parse(text) : text });
    expect(h.logs.some((l) => l.level === 'warn' && l.code === code)).toBe(true);
  });

  it('an event about a disk does nothing and dead-letters nothing', async () => {
    h = await startHarness({ seed: { instances: [] } });
    const summary = await h.invoke(fixture('ignored/disk-state-change.json'));
    expect(summary).toEqual({ counts: {}, results: [] });
    expect(h.stack.calls.records).toEqual([]);
  });

  it('the FC onFailure record is decoded and its inner event handled', async () => {
    h = await startHarness({ seed: { instances: [payments('i-bp1pay00000000000002')] } });
    const summary = await h.invoke(fixture('fc-destination-failure.json'));
    expect(summary.results[0]).toMatchObject({ instanceId: 'i-bp1pay00000000000002', outcome: 'attached' });
  });
});

describe('logs', () => {
  it('are JSON lines that all carry the FC request id and never the secret or the token', async () => {
    h = await startHarness({
      seed: { instances: [payments('i-bp1pay00000000000002')] },
      env: { LOG_LEVEL: 'debug' },
    });
    h.stack.ecs.state.setRoleTrustsEcs('EcsPaymentsRole', false);
    await h.invoke(fixture('eb-instance-state-pending.json'), { requestId: 'req-logs-1' });
    const invocationLines = h.logs.filter((l) => l.requestId !== undefined);
    expect(invocationLines.length).toBeGreaterThan(1);
    expect(invocationLines.every((l) => l.requestId === 'req-logs-1')).toBe(true);
    expect(h.logs.find((l) => l.msg === 'summary')).toMatchObject({
      counts: { 'dead-lettered': 1 },
      deadLetters: 1,
    });
    const all = h.rawLogs.join('');
    expect(all).not.toContain(h.stack.functionKeys.accessKeySecret);
    expect(all).not.toContain(h.stack.functionKeys.securityToken);
  });
});

describe('credentials', () => {
  it('without context.credentials, uses the default chain (here: ALIBABA_CLOUD_* environment variables)', async () => {
    h = await startHarness({ seed: { instances: [payments('i-bp1pay00000000000002')] } });
    const key = h.stack.credentials.issueAccessKey();
    const saved = { ...process.env };
    Object.assign(process.env, {
      ALIBABA_CLOUD_ACCESS_KEY_ID: key.accessKeyId,
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: key.accessKeySecret,
    });
    try {
      const context = h.stack.context();
      delete context.credentials;
      const summary = await h.handler(fixture('eb-instance-state-pending.json'), context);
      expect(summary.counts).toEqual({ attached: 1 });
      expect(h.stack.calls.records.every((r) => r.accessKeyId === key.accessKeyId)).toBe(true);
    } finally {
      process.env = saved;
    }
  });
});

describe('replayed dead-letter records (redrive)', () => {
  it('attach once the cause is fixed, and write no second record when still failing', async () => {
    h = await startHarness({ seed: { instances: [payments('i-bp1pay00000000000002')] } });
    h.stack.ecs.state.setRoleTrustsEcs('EcsPaymentsRole', false);
    await h.invoke(fixture('eb-instance-state-pending.json'));
    const [record] = h.stack.deadLetters();
    expect(record?.kind).toBe('attach-failed');

    // Replayed while the role still does not trust ECS: reported as failing, nothing new in the queue.
    const again = await h.invoke(record);
    expect(again.results[0]).toMatchObject({
      outcome: 'dead-lettered',
      error: { code: 'InvalidRamRole.NotEcsRole' },
    });
    expect(h.stack.deadLetters()).toHaveLength(1);

    // Fixed in RAM, replayed: attached.
    h.stack.ecs.state.setRoleTrustsEcs('EcsPaymentsRole', true);
    const fixed = await h.invoke([record]);
    expect(fixed.results[0]).toMatchObject({ instanceId: 'i-bp1pay00000000000002', outcome: 'attached' });
    expect(h.stack.deadLetters()).toHaveLength(1);
  });
});
