import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { FunctionLogLine } from '../../../local/fc-emulator/index.js';
import { type Sandbox, startSandbox } from '../../../local/sandbox/sandbox.js';
import type { SeedInstance } from '../../../local/seed.js';
import { loadAlertConfig } from '../../../shared/alerts/alert-config.js';
import { groupFailures } from '../../../shared/alerts/group-failures.js';
import { sendAlerts } from '../../../shared/alerts/send-alerts.js';
import {
  type DeadLetterMessage,
  readDeadLetterMessage,
} from '../../../shared/dead-letter/dead-letter-message.js';
import {
  encodeRecord,
  type InstanceRecord,
  recordInstanceIds,
} from '../../../shared/dead-letter/dead-letter-record.js';
import { createLogger } from '../../../shared/logging/logger.js';
import { Deadline } from '../../../shared/retry/deadline.js';
import {
  formatReport,
  parseDuration,
  type RedriveOptions,
  type RedriveReport,
  redrive,
} from '../../../tools/redrive/redrive.js';
import { childExit, type Exit } from './child-exit.js';

// `npm run redrive` end to end: failures made by the deployed attach-role function (the built bundle on the FC
// emulator) land in the retained queue through the failure topic; redrive replays them through the FC API and
// keeps or deletes each by what the function answers; PagerDuty (the webhook receiver) sees the resolves.

const ACCOUNT = '1234567890123456';
const REGION = 'cn-hangzhou';
const APP = ['i-bp1app00000000000001', 'i-bp1app00000000000002'];
const PAY = 'i-bp1pay00000000000001';

let sandbox: Sandbox | undefined;
/** Every line the functions wrote in the current test. */
let logs: FunctionLogLine[] = [];
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

const appInstance = (id: string, role: string | null = null): SeedInstance => ({
  id,
  region: REGION,
  status: 'Running',
  network: 'vpc',
  tags: { team: 'web', 'ram-role': 'EcsAppRole' },
  role,
});
const payInstance = (id: string): SeedInstance => ({
  id,
  region: REGION,
  status: 'Running',
  network: 'vpc',
  tags: { team: 'payments', env: 'prod' },
  role: null,
});

/** The sandbox (direct shape, the default policy) with EcsAppRole and EcsPaymentsRole, each trusting ECS or not. */
async function boot(options: {
  instances: SeedInstance[];
  appTrusted?: boolean;
  payTrusted?: boolean;
  policyFile?: string;
}): Promise<Sandbox> {
  logs = [];
  sandbox = await startSandbox({
    seed: {
      accountId: ACCOUNT,
      roles: [
        { name: 'EcsAppRole', trustsEcs: options.appTrusted ?? false },
        { name: 'EcsPaymentsRole', trustsEcs: options.payTrusted ?? false },
        { name: 'LegacyOpsRole', trustsEcs: true },
      ],
      instances: options.instances,
    },
    shape: 'direct',
    timeScale: 0.02,
    ...(options.policyFile === undefined ? {} : { policyFile: options.policyFile }),
    log: (line) => logs.push(line),
  });
  return sandbox;
}

const attachRole = (s: Sandbox): string => {
  const fn = s.deployment.functions.find((f) => f.resource === 'attach-role');
  if (fn === undefined) throw new Error('s.yaml has no attach-role function');
  return fn.functionName;
};
const retained = (s: Sandbox) => s.mns.queue(s.deployment.failures.retainedQueue);
const attachInvocations = (s: Sandbox) => s.fc.invocations.filter((i) => i.function === attachRole(s)).length;
const published = (s: Sandbox) => s.mns.topic(s.deployment.failures.topic).published;
const roleOf = (s: Sandbox, id: string) => s.ecs.state.instance(id)?.role;
const messages = (s: Sandbox): DeadLetterMessage[] =>
  retained(s)
    .peekAll()
    .map((m) => readDeadLetterMessage(m.body));
const instancesIn = (s: Sandbox) =>
  messages(s)
    .map((m) => (m.kind === 'record' ? recordInstanceIds(m.record).join(',') || m.record.kind : m.kind))
    .sort();

function stateChange(id: string) {
  return {
    id: `ev-${id}-${Math.random().toString(16).slice(2)}`,
    source: 'acs.ecs',
    specversion: '1.0',
    type: 'ecs:Instance:StateChange',
    subject: `acs:ecs:${REGION}:${ACCOUNT}:instance/${id}`,
    time: new Date().toISOString(),
    aliyunaccountid: ACCOUNT,
    aliyunregionid: REGION,
    data: { resourceId: id, resourceType: 'ALIYUN::ECS::Instance', state: 'Running' },
  };
}

/** Polls `condition` every 50 ms; fails with `what` after `ms`. */
async function waitFor(condition: () => boolean, what: string, ms = 5_000): Promise<void> {
  const until = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > until) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Has the deployed function handle one event per instance, synchronously, as EventBridge would hand it the
 * Running state changes; then waits until `expected` messages sit in the retained queue.
 */
async function failuresFor(s: Sandbox, ids: string[], expected = ids.length): Promise<void> {
  const answer = await s.invoker.invoke(attachRole(s), Buffer.from(JSON.stringify(ids.map(stateChange))), {
    async: false,
  });
  expect(answer.ok).toBe(true);
  await s.idle();
  await waitFor(() => retained(s).size >= expected, `${expected} messages in the retained queue`);
}

/** Puts one dead-letter record in the retained queue, as the fan-out would. */
async function putRecord(
  s: Sandbox,
  record: Partial<InstanceRecord> & { instanceId: string },
): Promise<void> {
  const full: InstanceRecord = {
    kind: 'attach-failed',
    version: 1,
    at: new Date().toISOString(),
    accountId: ACCOUNT,
    regionId: REGION,
    desiredRole: null,
    currentRole: null,
    error: { code: 'InvalidRamRole.NotEcsRole', message: 'not authorized for ECS', class: 'permanent' },
    attempts: 1,
    source: { fcRequestId: 'req-test' },
    ...record,
  };
  const sent = await s.mnsClient().sendMessage(s.deployment.failures.retainedQueue, {
    MessageBody: encodeRecord(full),
  });
  expect(sent.code).toBe(201);
}

/** Kept messages are released with a 1 s visibility (MNS's minimum): wait until every one is receivable again. */
async function visibleAgain(s: Sandbox): Promise<void> {
  await waitFor(
    () =>
      retained(s)
        .peekAll()
        .every((m) => m.state === 'visible'),
    'every kept message to be visible again',
    3_000,
  );
}

function pagerDutyResolve(s: Sandbox): NonNullable<RedriveOptions['resolve']> {
  const config = loadAlertConfig({
    PAGERDUTY_ROUTING_KEY: s.alerts.routingKey,
    PAGERDUTY_EVENTS_URL: s.alerts.urls.pagerduty,
  });
  const logger = createLogger({ level: 'silent' });
  return async (groups) =>
    void (await sendAlerts(groups, {
      config,
      logger,
      deadline: new Deadline(Date.now() + 10_000),
      eventAction: 'resolve',
    }));
}

function run(s: Sandbox, options: Partial<RedriveOptions> = {}): Promise<RedriveReport> {
  return redrive({
    mns: s.mnsClient(),
    queue: s.deployment.failures.retainedQueue,
    invoker: s.invoker,
    functionName: attachRole(s),
    filter: {},
    max: 1000,
    dryRun: false,
    ...options,
  });
}

const pagerDutyEvents = (s: Sandbox, action: string) =>
  s.alerts.received
    .filter((a) => a.target === 'pagerduty')
    .map((a) => a.body as { event_action: string; dedup_key: string })
    .filter((b) => b.event_action === action)
    .map((b) => b.dedup_key);

/** The PagerDuty dedup key of the group of the retained record about `instanceId`. */
function groupKeyOf(s: Sandbox, instanceId: string): string {
  const message = messages(s).find(
    (m) => m.kind === 'record' && recordInstanceIds(m.record).includes(instanceId),
  );
  if (message === undefined) throw new Error(`no record about ${instanceId}`);
  const [group] = groupFailures([message]);
  if (group === undefined) throw new Error('no group');
  return group.key;
}

describe('redrive on the sandbox', () => {
  it('in one run, replays, attaches and deletes what was fixed, keeps what still fails, and resolves only the fixed group', async () => {
    const s = await boot({ instances: [...APP.map((id) => appInstance(id)), payInstance(PAY)] });
    await failuresFor(s, [...APP, PAY]);
    const appKey = groupKeyOf(s, APP[0] as string);
    const payKey = groupKeyOf(s, PAY);
    expect(appKey).not.toBe(payKey);
    // The alert function paged for both groups.
    await waitFor(() => s.alerts.pagerdutyOpen().length === 2, 'both groups to be paged');
    expect(s.alerts.pagerdutyOpen().sort()).toEqual([appKey, payKey].sort());

    // The app role is fixed; the payments role is still broken.
    s.ecs.state.setRoleTrustsEcs('EcsAppRole', true);
    const publishedBefore = published(s);
    const invocationsBefore = attachInvocations(s);
    const report = await run(s, { resolve: pagerDutyResolve(s) });

    expect(report).toMatchObject({
      scanned: 3,
      matched: 3,
      replayed: 3,
      invocations: 1,
      fixed: 2,
      stillFailing: 1,
      resolvedGroups: 1,
    });
    expect(attachInvocations(s) - invocationsBefore).toBe(1);
    expect(
      report.records.map((r) => [r.action, r.kind, r.code, r.instanceId, r.detail?.slice(0, 25)]).sort(),
    ).toEqual(
      [
        ['fixed', 'attach-failed', 'InvalidRamRole.NotEcsRole', APP[0], 'attached'],
        ['fixed', 'attach-failed', 'InvalidRamRole.NotEcsRole', APP[1], 'attached'],
        ['still-failing', 'attach-failed', 'InvalidRamRole.NotEcsRole', PAY, 'InvalidRamRole.NotEcsRole'],
      ].sort(),
    );
    expect(APP.map((id) => roleOf(s, id))).toEqual(['EcsAppRole', 'EcsAppRole']);
    expect(roleOf(s, PAY)).toBeNull();

    // Only the payments record is left, kept (not deleted) and soon visible again.
    expect(instancesIn(s)).toEqual([PAY]);
    await visibleAgain(s);
    const mns = s.mnsClient();
    const kept = (await mns.receiveMessage(s.deployment.failures.retainedQueue)).body;
    expect(readDeadLetterMessage(kept?.MessageBody ?? '')).toMatchObject({
      kind: 'record',
      record: { instanceId: PAY },
    });
    await mns.changeMessageVisibility(s.deployment.failures.retainedQueue, kept?.ReceiptHandle ?? '', 1);

    // The still-failing replay wrote no new record: nothing was published, the queue did not grow.
    await s.idle();
    expect(published(s)).toBe(publishedBefore);
    expect(retained(s).size).toBe(1);

    // PagerDuty: the app group was resolved, the payments group is still open.
    expect(pagerDutyEvents(s, 'resolve')).toEqual([appKey]);
    expect(s.alerts.pagerdutyOpen()).toEqual([payKey]);

    // A second run changes nothing while the payments role stays broken.
    await visibleAgain(s);
    const again = await run(s, { resolve: pagerDutyResolve(s) });
    expect(again).toMatchObject({ scanned: 1, replayed: 1, fixed: 0, stillFailing: 1, resolvedGroups: 0 });
    await s.idle();
    expect(published(s)).toBe(publishedBefore);
    expect(retained(s).size).toBe(1);
    expect(s.alerts.pagerdutyOpen()).toEqual([payKey]);
  });

  it('does not resolve a group while some of its records were left unreplayed (--max), then does', async () => {
    const s = await boot({ instances: APP.map((id) => appInstance(id)) });
    await failuresFor(s, APP);
    const appKey = groupKeyOf(s, APP[0] as string);
    await waitFor(() => s.alerts.pagerdutyOpen().includes(appKey), 'the app group to be paged');
    s.ecs.state.setRoleTrustsEcs('EcsAppRole', true);

    const first = await run(s, { max: 1, resolve: pagerDutyResolve(s) });
    expect(first).toMatchObject({ scanned: 2, matched: 1, replayed: 1, fixed: 1, resolvedGroups: 0 });
    expect(retained(s).size).toBe(1);
    // One instance of the group is still without its role: the page stays open.
    expect(APP.map((id) => roleOf(s, id)).filter((r) => r === null)).toHaveLength(1);
    expect(s.alerts.pagerdutyOpen()).toEqual([appKey]);

    await visibleAgain(s);
    const second = await run(s, { max: 1, resolve: pagerDutyResolve(s) });
    expect(second).toMatchObject({ scanned: 1, replayed: 1, fixed: 1, resolvedGroups: 1 });
    expect(retained(s).size).toBe(0);
    expect(s.alerts.pagerdutyOpen()).toEqual([]);
  });

  it('does not resolve a group when --max stopped the scan before the end of the queue', async () => {
    const [g1, g2] = ['i-bp1grp00000000000001', 'i-bp1grp00000000000002'];
    const s = await boot({ instances: [appInstance(g1), appInstance(g2)], appTrusted: true });
    // Queue: one record of the group, 32 of another group, then the group's second record.
    await putRecord(s, { instanceId: g1 });
    for (let i = 0; i < 32; i++) {
      await putRecord(s, {
        instanceId: `i-bp1oth${String(i).padStart(14, '0')}`,
        kind: 'deadline',
        error: { code: 'DeadlineExceeded', message: 'ran out of time', class: 'retryable' },
      });
    }
    await putRecord(s, { instanceId: g2 });
    const resolved: string[][] = [];
    const resolve = async (groups: { code: string }[]) => void resolved.push(groups.map((g) => g.code));

    // Two batches of 16 are received (the one taken, and a look beyond it); the group's second record is not.
    const first = await run(s, { max: 1, resolve });
    expect(first).toMatchObject({ scanned: 32, matched: 1, fixed: 1, resolvedGroups: 0 });
    expect(resolved).toEqual([]);

    await visibleAgain(s);
    const second = await run(s, { filter: { code: 'InvalidRamRole.NotEcsRole' }, resolve });
    expect(second).toMatchObject({ scanned: 33, matched: 1, fixed: 1, resolvedGroups: 1 });
    expect(resolved).toEqual([['InvalidRamRole.NotEcsRole']]);
    expect(retained(s).size).toBe(32);
  });

  it('replays only what --code, --kind, --older-than and --max select', async () => {
    const ids = ['i-bp1flt00000000000001', 'i-bp1flt00000000000002', 'i-bp1flt00000000000003'];
    const more = ['i-bp1flt00000000000004', 'i-bp1flt00000000000005'];
    const s = await boot({ instances: [...ids, ...more].map((id) => appInstance(id)), appTrusted: true });
    const twoHoursAgo = new Date(Date.now() - 2 * 3_600_000).toISOString();
    const [a, b, c] = ids as [string, string, string];
    const [d, e] = more as [string, string];
    await putRecord(s, {
      instanceId: a,
      kind: 'deadline',
      at: twoHoursAgo,
      error: { code: 'DeadlineExceeded', message: 'ran out of time', class: 'retryable' },
    });
    await putRecord(s, { instanceId: b });
    await putRecord(s, { instanceId: c, at: twoHoursAgo });
    await putRecord(s, {
      instanceId: d,
      kind: 'replace-failed',
      previousRole: 'EcsAppRole',
      error: { code: 'Throttling.User', message: 'slow down', class: 'retryable' },
    });
    await putRecord(s, { instanceId: e });
    const replayedBy = async (options: Partial<RedriveOptions>) => {
      await visibleAgain(s);
      const before = attachInvocations(s);
      const report = await run(s, options);
      expect(attachInvocations(s) - before).toBe(report.invocations);
      return {
        scanned: report.scanned,
        fixed: report.records.filter((r) => r.action === 'fixed').map((r) => r.instanceId),
        left: retained(s).size,
      };
    };

    expect(await replayedBy({ filter: { code: 'DeadlineExceeded' } })).toEqual({
      scanned: 5,
      fixed: [a],
      left: 4,
    });
    expect(await replayedBy({ filter: { kind: 'replace-failed' } })).toEqual({
      scanned: 4,
      fixed: [d],
      left: 3,
    });
    expect(await replayedBy({ filter: { olderThanMs: parseDuration('1h') } })).toEqual({
      scanned: 3,
      fixed: [c],
      left: 2,
    });
    // Nothing is that old any more, and nothing of another code is touched.
    expect(await replayedBy({ filter: { olderThanMs: parseDuration('1h') } })).toEqual({
      scanned: 2,
      fixed: [],
      left: 2,
    });
    expect(await replayedBy({ filter: { code: 'Throttling.User' } })).toEqual({
      scanned: 2,
      fixed: [],
      left: 2,
    });
    expect(await replayedBy({ max: 1 })).toEqual({ scanned: 2, fixed: [b], left: 1 });
    expect(roleOf(s, e)).toBeNull();
    expect(
      await replayedBy({ filter: { kind: 'attach-failed', code: 'InvalidRamRole.NotEcsRole' } }),
    ).toEqual({
      scanned: 1,
      fixed: [e],
      left: 0,
    });
    expect([...ids, ...more].map((id) => roleOf(s, id))).toEqual(Array(5).fill('EcsAppRole'));
  });

  it('counts instances as well as records: one instance can have a record per event that failed', async () => {
    const s = await boot({ instances: APP.map((id) => appInstance(id)), appTrusted: true });
    // Each instance failed twice: its launch's state change and its RunInstances call.
    for (const id of APP) {
      await putRecord(s, { instanceId: id, source: { eventId: `state-${id}`, fcRequestId: 'fc-1' } });
      await putRecord(s, { instanceId: id, source: { eventId: `trail-${id}`, fcRequestId: 'fc-2' } });
    }
    const report = await run(s);
    expect(report).toMatchObject({
      scanned: 4,
      replayed: 4,
      fixed: 4,
      stillFailing: 0,
      instances: { scanned: 2, replayed: 2, fixed: 2, stillFailing: 0 },
    });
    expect(formatReport(report, false).trimEnd().split('\n').at(-1)).toBe(
      'Scanned 4 messages (2 instances), replayed 4 (2 instances) in 1 invocations: 4 fixed (2 instances; deleted), 0 still failing (0 instances; kept).',
    );
  });

  it('--dry-run lists what it would replay and changes nothing', async () => {
    const s = await boot({ instances: APP.map((id) => appInstance(id)) });
    await failuresFor(s, APP);
    await putRecord(s, {
      instanceId: 'i-bp1old00000000000001',
      kind: 'deadline',
      error: { code: 'DeadlineExceeded', message: 'ran out of time', class: 'retryable' },
    });
    s.ecs.state.setRoleTrustsEcs('EcsAppRole', true);
    const before = retained(s)
      .peekAll()
      .map((m) => [m.messageId, m.body]);
    const invocationsBefore = attachInvocations(s);

    const report = await run(s, { dryRun: true, filter: { code: 'InvalidRamRole.NotEcsRole' } });
    expect(report).toMatchObject({ scanned: 3, matched: 2, replayed: 0, fixed: 0, invocations: 0 });
    expect(report.records.map((r) => [r.action, r.instanceId]).sort()).toEqual([
      ['would-replay', APP[0]],
      ['would-replay', APP[1]],
    ]);
    const text = formatReport(report, true);
    expect(text.split('\n').filter((l) => l.startsWith('would-replay'))).toHaveLength(2);
    expect(text).toContain(
      `would-replay      attach-failed  InvalidRamRole.NotEcsRole        ${APP[0]} ${REGION}`,
    );
    expect(
      text.endsWith('Dry run: 2 of 3 messages (3 instances) would be replayed; nothing was changed.\n'),
    ).toBe(true);

    expect(attachInvocations(s)).toBe(invocationsBefore);
    expect(APP.map((id) => roleOf(s, id))).toEqual([null, null]);
    expect(
      retained(s)
        .peekAll()
        .map((m) => [m.messageId, m.body]),
    ).toEqual(before);
    await visibleAgain(s);
  });

  it('lists a poison record that kept no instance id and never replays it', async () => {
    const s = await boot({ instances: [appInstance(APP[0] as string)], appTrusted: true });
    // An event the function cannot decode: it dead-letters it as poison.
    const bad = { ...stateChange('x'), data: { resourceId: 'i-NOT_AN_ID', state: 'Running' } };
    const answer = await s.invoker.invoke(attachRole(s), Buffer.from(JSON.stringify(bad)), { async: false });
    expect(answer.ok).toBe(true);
    await s.idle();
    await waitFor(() => retained(s).size === 1, 'the poison record');
    const [poison] = messages(s);
    expect(poison).toMatchObject({
      kind: 'record',
      record: { kind: 'poison', error: { code: 'InvalidEvent.InstanceId' } },
    });

    // Only poison in the queue: no invocation at all.
    const invocationsBefore = attachInvocations(s);
    const alone = await run(s);
    expect(alone).toMatchObject({ scanned: 1, matched: 0, replayed: 0, invocations: 0 });
    expect(alone.records).toEqual([
      expect.objectContaining({ action: 'listed-poison', kind: 'poison', code: 'InvalidEvent.InstanceId' }),
    ]);
    expect(attachInvocations(s)).toBe(invocationsBefore);
    expect(formatReport(alone, false)).toMatch(/^listed-poison {5}poison {9}InvalidEvent\.InstanceId/);

    // With a replayable record beside it, the replay leaves the poison out.
    await visibleAgain(s);
    await putRecord(s, { instanceId: APP[0] as string });
    const logsBefore = logs.length;
    const mixed = await run(s);
    expect(mixed).toMatchObject({ scanned: 2, matched: 1, replayed: 1, fixed: 1, invocations: 1 });
    expect(mixed.records.map((r) => r.action).sort()).toEqual(['fixed', 'listed-poison']);
    const replayLogs = logs.slice(logsBefore).map((l) => l.line);
    expect(replayLogs.some((l) => l.includes('"msg":"summary"'))).toBe(true);
    expect(replayLogs.filter((l) => l.includes('dead-letter:poison'))).toEqual([]);
    expect(instancesIn(s)).toEqual(['poison']);

    // (The log check can fail: handed the poison record the way redrive hands records over, the function logs it.)
    if (poison?.kind !== 'record') throw new Error('unreachable');
    await s.invoker.invoke(attachRole(s), Buffer.from(JSON.stringify([poison.record])), { async: false });
    expect(logs.some((l) => l.line.includes('dead-letter:poison'))).toBe(true);
  });

  it('replays the instance ids a poison record kept, and deletes it once every one of them is fixed', async () => {
    const s = await boot({ instances: APP.map((id) => appInstance(id)) });
    // A RunInstances event the function cannot decode (its region is malformed), naming both instances.
    const event = {
      id: 'ev-poison-ids',
      source: 'acs.actiontrail',
      specversion: '1.0',
      type: 'actiontrail:ActionTrail:ApiCall',
      data: {
        eventName: 'RunInstances',
        serviceName: 'Ecs',
        acsRegion: 'cn hangzhou',
        referencedResources: { 'ACS::ECS::Instance': APP },
      },
    };
    const answer = await s.invoker.invoke(attachRole(s), Buffer.from(JSON.stringify(event)), {
      async: false,
    });
    expect(answer.ok).toBe(true);
    await s.idle();
    await waitFor(() => retained(s).size === 1, 'the poison record');
    expect(messages(s)).toMatchObject([
      {
        kind: 'record',
        record: { kind: 'poison', error: { code: 'InvalidEvent.RegionId' }, instanceIds: APP },
      },
    ]);

    // EcsAppRole does not trust ECS yet: both instances still fail, the record stays, and nothing new is written.
    const still = await run(s);
    expect(still).toMatchObject({
      scanned: 1,
      matched: 1,
      replayed: 1,
      fixed: 0,
      stillFailing: 1,
      invocations: 1,
    });
    expect(still.records[0]).toMatchObject({
      action: 'still-failing',
      kind: 'poison',
      detail: expect.stringMatching(/^2 of 2 instances still failing/),
    });
    await s.idle();
    expect(retained(s).size).toBe(1);

    await visibleAgain(s);
    s.ecs.state.setRoleTrustsEcs('EcsAppRole', true);
    const fixed = await run(s);
    expect(fixed).toMatchObject({ scanned: 1, replayed: 1, fixed: 1, stillFailing: 0 });
    expect(APP.map((id) => roleOf(s, id))).toEqual(['EcsAppRole', 'EcsAppRole']);
    expect(retained(s).size).toBe(0);
  });

  it('replays an FC onFailure record from its requestPayload and resolves its page', async () => {
    const s = await boot({ instances: [appInstance(APP[0] as string)], appTrusted: true });
    // The dead-letter topic refuses the function's writes, so its async invocation fails every try and FC
    // sends its failure record to the onFailure destination (the topic, which lets it through by then).
    s.mns.faults.add({
      op: 'PublishMessage',
      topic: s.deployment.failures.topic,
      status: 403,
      code: 'AccessDenied',
      times: 4,
    });
    s.ecs.state.setRoleTrustsEcs('EcsAppRole', false);
    const event = stateChange(APP[0] as string);
    await s.invoker.invoke(attachRole(s), Buffer.from(JSON.stringify(event)), { async: true });
    await s.fc.settled(10_000);
    await s.idle();
    await waitFor(() => retained(s).size === 1, 'the FC failure record');
    const [record] = messages(s);
    expect(record?.kind).toBe('fc-failure');
    if (record?.kind !== 'fc-failure') throw new Error('unreachable');
    expect(JSON.parse(record.record.requestPayload)).toEqual(event);
    const [group] = groupFailures([record]);
    await waitFor(() => s.alerts.pagerdutyOpen().includes(group?.key ?? ''), 'the FC failure to be paged');

    s.ecs.state.setRoleTrustsEcs('EcsAppRole', true);
    const report = await run(s, { resolve: pagerDutyResolve(s) });
    expect(report).toMatchObject({ scanned: 1, replayed: 1, invocations: 1, fixed: 1, resolvedGroups: 1 });
    expect(report.records).toEqual([
      expect.objectContaining({ action: 'fixed', kind: 'fc-failure', code: 'UnhandledInvocationError' }),
    ]);
    expect(roleOf(s, APP[0] as string)).toBe('EcsAppRole');
    expect(retained(s).size).toBe(0);
    expect(s.alerts.pagerdutyOpen()).toEqual([]);
  });

  it('never multiplies the queue: an FC record whose instance still fails gives way to that instance’s own record', async () => {
    const s = await boot({ instances: [appInstance(APP[0] as string)] });
    s.mns.faults.add({ op: 'PublishMessage', topic: s.deployment.failures.topic, status: 403, times: 4 });
    await s.invoker.invoke(attachRole(s), Buffer.from(JSON.stringify(stateChange(APP[0] as string))), {
      async: true,
    });
    await s.fc.settled(10_000);
    await s.idle();
    await waitFor(() => retained(s).size === 1, 'the FC failure record');
    expect(messages(s)[0]?.kind).toBe('fc-failure');

    const reports: RedriveReport[] = [];
    for (let round = 1; round <= 3; round++) {
      await visibleAgain(s);
      reports.push(await run(s));
      await s.idle();
      expect({ round, size: retained(s).size }).toEqual({ round, size: 1 });
    }
    // First the FC record: the event went through, the instance still fails and was written as its own record.
    expect(reports[0]).toMatchObject({ replayed: 1, fixed: 0, superseded: 1, stillFailing: 0 });
    expect(reports[0]?.records).toEqual([
      expect.objectContaining({
        action: 'superseded',
        kind: 'fc-failure',
        detail: expect.stringContaining('dead-lettered 1'),
      }),
    ]);
    expect(formatReport(reports[0] as RedriveReport, false)).toContain(
      "0 still failing (0 instances; kept), 1 FC failure records superseded by their instances' own records (deleted).",
    );
    // Then that record, replayed and kept, without another being written.
    for (const later of reports.slice(1)) {
      expect(later).toMatchObject({ replayed: 1, fixed: 0, superseded: 0, stillFailing: 1 });
    }
    // What is left is the instance's own record, which the next runs replay without writing another.
    expect(messages(s)).toEqual([
      expect.objectContaining({ kind: 'record', record: expect.objectContaining({ instanceId: APP[0] }) }),
    ]);
    expect(roleOf(s, APP[0] as string)).toBeNull();
  });

  it('keeps the messages when the function call itself fails', async () => {
    const s = await boot({ instances: [appInstance(APP[0] as string), appInstance(APP[1] as string)] });
    s.mns.faults.add({ op: 'PublishMessage', topic: s.deployment.failures.topic, status: 403, times: 4 });
    await s.invoker.invoke(attachRole(s), Buffer.from(JSON.stringify(stateChange(APP[0] as string))), {
      async: true,
    });
    await s.fc.settled(10_000);
    await waitFor(() => retained(s).size === 1, 'the FC failure record');
    await putRecord(s, { instanceId: APP[1] as string });
    const before = retained(s)
      .peekAll()
      .map((m) => m.messageId);

    // The topic refuses again: replaying the FC record (whose instance still fails) makes the function fail.
    s.mns.faults.add({ op: 'PublishMessage', topic: s.deployment.failures.topic, status: 403 });
    const report = await run(s);
    expect(report).toMatchObject({ scanned: 2, replayed: 2, invocations: 2, fixed: 0, stillFailing: 2 });
    const fcRecord = report.records.find((r) => r.kind === 'fc-failure');
    expect(fcRecord).toMatchObject({ action: 'error' });
    expect(fcRecord?.detail).toContain('the function failed');
    expect(
      retained(s)
        .peekAll()
        .map((m) => m.messageId),
    ).toEqual(before);
    await visibleAgain(s);

    // A function that cannot be called at all keeps every message too.
    s.mns.faults.clear();
    const missing = await run(s, { functionName: 'no-such-function' });
    expect(missing).toMatchObject({ replayed: 2, fixed: 0, stillFailing: 2 });
    expect(missing.records.map((r) => [r.action, r.detail])).toEqual([
      ['error', 'the function failed (FunctionNotFound)'],
      ['error', 'the function failed (FunctionNotFound)'],
    ]);
    expect(
      retained(s)
        .peekAll()
        .map((m) => m.messageId),
    ).toEqual(before);
  });

  it('keeps a conflict record while the instance still holds another role', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'redrive-policy-'));
    const policyFile = join(dir, 'policy.yaml');
    writeFileSync(
      policyFile,
      readFileSync(new URL('../../fixtures/policies/design.yaml', import.meta.url), 'utf8').replace(
        '# reportConflicts: false',
        'reportConflicts: true',
      ),
    );
    try {
      const s = await boot({
        instances: [appInstance(APP[0] as string, 'LegacyOpsRole')],
        appTrusted: true,
        policyFile,
      });
      await failuresFor(s, [APP[0] as string]);
      expect(messages(s)).toEqual([
        expect.objectContaining({
          record: expect.objectContaining({ kind: 'conflict', currentRole: 'LegacyOpsRole' }),
        }),
      ]);

      const still = await run(s);
      expect(still).toMatchObject({ replayed: 1, fixed: 0, stillFailing: 1 });
      expect(retained(s).size).toBe(1);
      expect(roleOf(s, APP[0] as string)).toBe('LegacyOpsRole');

      // Someone takes the other role off: the replay attaches the right one and the record goes.
      s.ecs.state.setRole(APP[0] as string, null);
      await visibleAgain(s);
      const fixed = await run(s);
      expect(fixed).toMatchObject({ replayed: 1, fixed: 1, stillFailing: 0 });
      expect(retained(s).size).toBe(0);
      expect(roleOf(s, APP[0] as string)).toBe('EcsAppRole');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('deletes every fixed message even when the hold is extended while it deletes', async () => {
    const ids = Array.from({ length: 6 }, (_, i) => `i-bp1hld0000000000000${i}`);
    const s = await boot({ instances: ids.map((id) => appInstance(id)), appTrusted: true });
    for (const id of ids) await putRecord(s, { instanceId: id });
    // Slow deletes (2.4 s for the six), and a hold extended every second: extensions land while deletes are in
    // flight. A 3 s hold leaves the heartbeat room on a loaded machine; a 1 s one lapsed before the replay ended.
    s.mns.faults.add({ op: 'DeleteMessage', latencyMs: 400 });
    const report = await run(s, { holdSeconds: 3 });
    expect(report).toMatchObject({ replayed: 6, fixed: 6, stillFailing: 0 });
    expect(retained(s).size).toBe(0);
  });
});

describe('npm run redrive (tools/redrive.ts)', () => {
  function cli(s: Sandbox, args: string[], env: Record<string, string> = {}): Promise<Exit> {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'tools/redrive.ts',
        '--region',
        REGION,
        '--account',
        ACCOUNT,
        '--mns-endpoint',
        s.mns.url,
        '--fc-endpoint',
        s.fc.url,
        ...args,
      ],
      {
        env: {
          PATH: process.env.PATH ?? '',
          ALIBABA_CLOUD_ACCESS_KEY_ID: s.operatorKey.accessKeyId,
          ALIBABA_CLOUD_ACCESS_KEY_SECRET: s.operatorKey.accessKeySecret,
          ...env,
        },
      },
    );
    return childExit(child, 'redrive', 15_000);
  }

  it('prints the listing and the summary line, resolves in PagerDuty, and refuses bad arguments', {
    timeout: 60_000,
  }, async () => {
    const s = await boot({ instances: [...APP.map((id) => appInstance(id)), payInstance(PAY)] });
    await failuresFor(s, [...APP, PAY]);
    const appKey = groupKeyOf(s, APP[0] as string);
    await waitFor(() => s.alerts.pagerdutyOpen().length === 2, 'both groups to be paged');
    s.ecs.state.setRoleTrustsEcs('EcsAppRole', true);

    const dry = await cli(s, ['--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.stdout.split('\n').filter((l) => l.startsWith('would-replay '))).toHaveLength(3);
    expect(dry.stdout).toContain(
      'Dry run: 3 of 3 messages (3 instances) would be replayed; nothing was changed.\n',
    );
    expect(retained(s).size).toBe(3);
    await visibleAgain(s);

    const before = s.calls.records.length;
    const done = await cli(s, [], {
      PAGERDUTY_ROUTING_KEY: s.alerts.routingKey,
      PAGERDUTY_EVENTS_URL: s.alerts.urls.pagerduty,
    });
    expect(done.stderr).toBe('');
    expect(done.code).toBe(0);
    const lines = done.stdout.trimEnd().split('\n');
    expect(lines.filter((l) => l.startsWith('fixed ')).sort()).toEqual(
      APP.map(
        (id) => `fixed             attach-failed  InvalidRamRole.NotEcsRole        ${id} ${REGION}  attached`,
      ),
    );
    expect(lines.filter((l) => l.startsWith('still-failing '))).toEqual([
      expect.stringMatching(
        new RegExp(
          `^still-failing {5}attach-failed  InvalidRamRole\\.NotEcsRole {8}${PAY} ${REGION}  InvalidRamRole\\.NotEcsRole: `,
        ),
      ),
    ]);
    expect(lines.at(-1)).toBe(
      'Scanned 3 messages (3 instances), replayed 3 (3 instances) in 1 invocations: 2 fixed (2 instances; deleted), 1 still failing (1 instance; kept), 1 PagerDuty groups resolved.',
    );
    expect(retained(s).size).toBe(1);
    expect(s.alerts.pagerdutyOpen()).not.toContain(appKey);
    expect(s.alerts.pagerdutyOpen()).toHaveLength(1);
    // The replay went through the FC 3.0 API, signed by @alicloud/fc20230330.
    expect(fcInvocationsSince(s, before)).toEqual([
      expect.objectContaining({
        status: 200,
        params: expect.objectContaining({ apiVersion: '2023-03-30', signature: 'ACS3-HMAC-SHA256' }),
      }),
    ]);

    for (const bad of [['--older-than', 'soon'], ['--max', '0'], ['--bogus']]) {
      const refused = await cli(s, bad);
      expect({ bad, code: refused.code }).toEqual({ bad, code: 2 });
      expect(refused.stderr).toContain('usage: npm run redrive -- --region <id> --account <uid>');
      expect(refused.stdout).toBe('');
    }
  });

  it('replays through the FC 2.0 API with --fc-api 2016-08-15 --service S, and names the flag a usage error is about', {
    timeout: 60_000,
  }, async () => {
    const s = await boot({ instances: APP.map((id) => appInstance(id)), appTrusted: true });
    for (const id of APP) await putRecord(s, { instanceId: id });

    const refusals: Array<[string[], string]> = [
      [['--fc-api', '2016-08-15'], '--service is required with --fc-api 2016-08-15'],
      [['--service', 'ram-svc'], '--service applies only to --fc-api 2016-08-15'],
      [['--fc-api', '2021-04-06'], '--fc-api: expected 2016-08-15 or 2023-03-30, got "2021-04-06"'],
    ];
    for (const [args, problem] of refusals) {
      const refused = await cli(s, args);
      expect({ args, code: refused.code, first: refused.stderr.split('\n')[0] }).toEqual({
        args,
        code: 2,
        first: expect.stringContaining(problem),
      });
      expect(refused.stdout).toBe('');
    }
    expect(fcInvocationsSince(s, 0)).toEqual([]);

    const done = await cli(s, ['--fc-api', '2016-08-15', '--service', 'ram-svc']);
    expect(done.stderr).toBe('');
    expect(done.code).toBe(0);
    expect(done.stdout.trimEnd().split('\n').at(-1)).toBe(
      'Scanned 2 messages (2 instances), replayed 2 (2 instances) in 1 invocations: 2 fixed (2 instances; deleted), 0 still failing (0 instances; kept).',
    );
    expect(retained(s).size).toBe(0);
    expect(fcInvocationsSince(s, 0)).toEqual([
      expect.objectContaining({
        status: 200,
        params: expect.objectContaining({ apiVersion: '2016-08-15', signature: 'FC' }),
      }),
    ]);
  });
});

/** FC invocations signed with the operator's key (what the redrive CLI uses) since the call log had `index`. */
const fcInvocationsSince = (s: Sandbox, index: number) =>
  s.calls.records
    .slice(index)
    .filter(
      (r) =>
        r.service === 'fc' && r.action === 'InvokeFunction' && r.accessKeyId === s.operatorKey.accessKeyId,
    );

describe('parseDuration', () => {
  it('reads seconds, minutes, hours and days', () => {
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('10m')).toBe(600_000);
    expect(parseDuration('2h')).toBe(7_200_000);
    expect(parseDuration('1d')).toBe(86_400_000);
    expect(parseDuration('0s')).toBe(0);
    expect(parseDuration(' 15 m ')).toBe(900_000);
  });

  it('refuses anything else, naming the option', () => {
    for (const text of ['', '10', 'm', '1.5h', '-1m', '10M', '2w', '1h30m', 'soon']) {
      expect(() => parseDuration(text)).toThrow(/^--older-than: expected a duration such as 90s/);
    }
  });
});
