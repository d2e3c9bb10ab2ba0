import { describe, expect, it } from 'vitest';
import { Ledger } from '../../../../shared/attach/ledger.js';
import { reconcile } from '../../../../shared/attach/reconcile.js';
import { FakeEcs, fakeContext, idsOf, policy, REGION, stateChangeRef } from './fake-ecs.js';

/**
 * The failure paths of `reconcile`, each reached through a fake `EcsGateway` on a fake clock (issue 9, "the
 * failure paths, tested where they live"). The errors are shaped as the SDK and Node's sockets throw them, so
 * they go through the same `describeError` as in production.
 */

/** What `@alicloud/openapi-core` throws for an error answer. */
class ServerError extends Error {
  override readonly name = 'ServerError';
  constructor(
    readonly code: string,
    readonly statusCode: number,
  ) {
    super(`${code}: the service says no`);
  }
}

/** What a socket reset mid-request looks like: the request may have been carried out. */
class SocketReset extends Error {
  readonly code = 'ECONNRESET';
  constructor() {
    super('socket hang up');
  }
}

/** What the SDK's HTTP client throws when the answer does not come in time. */
class RequestTimeoutError extends Error {
  override readonly name = 'RequestTimeoutError';
  constructor() {
    super('ReadTimeout(5000)');
  }
}

const payments = { team: 'payments' };
const unavailable = () => new ServerError('ServiceUnavailable', 503);
const forever = Number.POSITIVE_INFINITY;

const fleet = (ids: readonly string[], extra = {}) =>
  Object.fromEntries(ids.map((id) => [id, { tags: payments, ...extra }]));

describe('the read fails: "could not read the instance", dead-lettered, never written', () => {
  it('DescribeInstances answering 503 every time: each instance dead-lettered after the last attempt', async () => {
    const ids = idsOf('rd', 3);
    const ecs = new FakeEcs(fleet(ids));
    ecs.faults.push({ action: 'DescribeInstances', error: unavailable(), times: forever });
    const { summary, ledger } = await reconcile(fakeContext(ecs, policy(), 3), ids.map(stateChangeRef));

    expect(summary.counts).toEqual({ 'dead-lettered': 3 });
    expect(ecs.count('DescribeInstances')).toBe(3);
    expect(ecs.count('AttachInstanceRamRole')).toBe(0);
    expect(ledger.deadLetters.map((r) => r.instanceId)).toEqual(ids);
    for (const record of ledger.deadLetters) {
      expect(record).toMatchObject({
        kind: 'attach-failed',
        desiredRole: null,
        currentRole: null,
        attempts: 3,
        error: { code: 'ServiceUnavailable', class: 'retryable' },
      });
      expect(record.error.message).toMatch(/^could not read the instance: ServiceUnavailable/);
    }
  });

  it('a role read refused for good fails its chunk of 50 only; the other chunk is attached', async () => {
    const ids = idsOf('rr', 60);
    const ecs = new FakeEcs(fleet(ids));
    ecs.faults.push({
      action: 'DescribeInstanceRamRole',
      error: new ServerError('Forbidden.RAM', 403),
      times: forever,
      match: (asked) => asked.includes(ids[0] as string),
    });
    const { summary, ledger } = await reconcile(fakeContext(ecs, policy()), ids.map(stateChangeRef));

    expect(summary.counts).toEqual({ 'dead-lettered': 50, attached: 10 });
    expect(summary.results.slice(0, 50).every((r) => r.outcome === 'dead-lettered')).toBe(true);
    expect(ledger.deadLetters).toHaveLength(50);
    expect(ledger.deadLetters[0]).toMatchObject({
      kind: 'attach-failed',
      attempts: 1,
      error: { code: 'Forbidden.RAM', class: 'permanent' },
    });
    expect(ledger.deadLetters[0]?.error.message).toMatch(/^could not read the instance: /);
    // Permanent: asked once, not retried.
    expect(
      ecs.calls.filter((c) => c.action === 'DescribeInstanceRamRole' && c.ids.includes(ids[0] as string)),
    ).toHaveLength(1);
    expect(ids.slice(0, 50).every((id) => ecs.role(id) === null)).toBe(true);
    expect(ids.slice(50).every((id) => ecs.role(id) === 'EcsPaymentsRole')).toBe(true);
  });

  it('a read throttled until the deadline: dead-lettered as deadline', async () => {
    const [id] = idsOf('rt', 1) as [string];
    const ecs = new FakeEcs(fleet([id]));
    ecs.faults.push({
      action: 'DescribeInstances',
      error: new ServerError('Throttling.User', 400),
      times: forever,
    });
    const ctx = fakeContext(ecs, policy(), 3);
    const { summary, ledger } = await reconcile(ctx, [stateChangeRef(id)]);

    expect(summary.results[0]).toMatchObject({ outcome: 'dead-lettered', reason: 'deadline' });
    expect(ledger.deadLetters[0]).toMatchObject({ kind: 'deadline', error: { code: 'Throttling.User' } });
    // Throttling is retried past maxAttempts, until the deadline, never beyond it.
    expect(ecs.count('DescribeInstances')).toBeGreaterThan(3);
    // (remainingMs() is never below 0, so the clock itself is what shows it.)
    expect(ctx.now()).toBeLessThanOrEqual(ctx.deadline.at);
    // And it used its time: within one capped wait (1 s) of the deadline.
    expect(ctx.now()).toBeGreaterThan(ctx.deadline.at - 1_000);
  });
});

describe('a detach fails during a replace: the old role stays, no attach is tried', () => {
  const replace = () => policy({ onExistingRole: 'replace' });

  it('refused for good: dead-lettered, naming both roles, the old role still in place', async () => {
    const [id] = idsOf('dt', 1) as [string];
    const ecs = new FakeEcs(fleet([id], { role: 'EcsAppRole' }));
    ecs.faults.push({ action: 'DetachInstanceRamRole', error: new ServerError('Forbidden.RAM', 403) });
    const { summary, ledger } = await reconcile(fakeContext(ecs, replace()), [stateChangeRef(id)]);

    expect(summary.results).toEqual([
      {
        instanceId: id,
        regionId: REGION,
        outcome: 'dead-lettered',
        reason: 'attach-failed',
        role: 'EcsPaymentsRole',
        rule: 'payments',
        error: {
          code: 'Forbidden.RAM',
          message:
            'could not detach EcsAppRole to replace it with EcsPaymentsRole: Forbidden.RAM: the service says no',
        },
      },
    ]);
    expect(ledger.deadLetters).toEqual([
      expect.objectContaining({
        kind: 'attach-failed',
        desiredRole: 'EcsPaymentsRole',
        currentRole: 'EcsAppRole',
        attempts: 1,
      }),
    ]);
    expect(ecs.count('AttachInstanceRamRole')).toBe(0);
    expect(ecs.role(id)).toBe('EcsAppRole');
  });

  it('503 on every attempt: re-read, still the old role, dead-lettered with it as the current role', async () => {
    const [id, ok] = idsOf('dt', 2) as [string, string];
    const ecs = new FakeEcs({ ...fleet([id], { role: 'EcsAppRole' }), ...fleet([ok]) });
    ecs.faults.push({ action: 'DetachInstanceRamRole', error: unavailable(), times: forever });
    const { summary, ledger } = await reconcile(fakeContext(ecs, replace(), 3), [id, ok].map(stateChangeRef));

    expect(summary.results.map((r) => [r.instanceId, r.outcome])).toEqual([
      [id, 'dead-lettered'],
      [ok, 'attached'],
    ]);
    expect(ecs.count('DetachInstanceRamRole')).toBe(3);
    expect(ledger.deadLetters).toEqual([
      expect.objectContaining({
        instanceId: id,
        kind: 'attach-failed',
        currentRole: 'EcsAppRole',
        attempts: 3,
        error: expect.objectContaining({ code: 'ServiceUnavailable' }),
      }),
    ]);
    // Only the instance that was ready is attached; the one still holding its old role is not.
    expect(ecs.calls.filter((c) => c.action === 'AttachInstanceRamRole').map((c) => c.ids)).toEqual([[ok]]);
    expect(ecs.role(id)).toBe('EcsAppRole');
  });
});

describe('the deadline: whatever it cuts off is dead-lettered as deadline, nothing is left without an outcome', () => {
  it('the clock passes the deadline during the read: the planned attach is never sent', async () => {
    const ids = idsOf('dl', 3);
    const ecs = new FakeEcs(fleet(ids));
    const ctx = fakeContext(ecs, policy());
    ecs.onCall = async (call) => {
      if (call.action === 'DescribeInstanceRamRole') await ctx.sleep?.(ctx.deadline.remainingMs() + 1);
    };
    const { summary, ledger } = await reconcile(ctx, ids.map(stateChangeRef));

    expect(summary.counts).toEqual({ 'dead-lettered': 3 });
    expect(summary.results.every((r) => r.reason === 'deadline' && r.role === 'EcsPaymentsRole')).toBe(true);
    expect(ledger.deadLetters.map((r) => [r.instanceId, r.kind, r.desiredRole, r.attempts])).toEqual(
      ids.map((id) => [id, 'deadline', 'EcsPaymentsRole', 0]),
    );
    expect(ecs.count('AttachInstanceRamRole')).toBe(0);
  });

  it('an attach throttled until the deadline: dead-lettered as deadline with its attempts', async () => {
    const [id] = idsOf('dl', 1) as [string];
    const ecs = new FakeEcs(fleet([id]));
    ecs.faults.push({
      action: 'AttachInstanceRamRole',
      error: new ServerError('Throttling', 400),
      times: forever,
    });
    const { summary, ledger } = await reconcile(fakeContext(ecs, policy(), 3), [stateChangeRef(id)]);

    expect(summary.results[0]).toMatchObject({ outcome: 'dead-lettered', reason: 'deadline' });
    const attempts = ecs.count('AttachInstanceRamRole');
    expect(attempts).toBeGreaterThan(3);
    expect(ledger.deadLetters).toEqual([
      expect.objectContaining({
        kind: 'deadline',
        attempts,
        error: expect.objectContaining({ code: 'Throttling' }),
      }),
    ]);
  });

  it('the ledger names every reference without an outcome, for the final deadline sweep', () => {
    const refs = idsOf('ul', 3).map(stateChangeRef);
    const ledger = new Ledger(refs, 'fc-req-1', () => 0);
    ledger.settle(REGION, refs[1]?.instanceId as string, { outcome: 'attached', role: 'EcsAppRole' });
    expect(ledger.unsettled()).toEqual([refs[0], refs[2]]);
    expect(() => ledger.settle(REGION, refs[1]?.instanceId as string, { outcome: 'attached' })).toThrow(
      /recorded twice/,
    );
  });
});

describe('a write applied whose answer was lost: re-read, never written twice', () => {
  it.each([
    ['a connection reset', () => new SocketReset()],
    ['a read timeout', () => new RequestTimeoutError()],
    ['a 503', unavailable],
  ])('attach, then %s: the re-read finds the role, no second attach, no record', async (_label, error) => {
    const [id] = idsOf('al', 1) as [string];
    const ecs = new FakeEcs(fleet([id]));
    ecs.faults.push({ action: 'AttachInstanceRamRole', error: error(), applied: true });
    const { summary, ledger } = await reconcile(fakeContext(ecs, policy()), [stateChangeRef(id)]);

    expect(summary.results[0]).toMatchObject({ outcome: 'already-correct', role: 'EcsPaymentsRole' });
    expect(ecs.count('AttachInstanceRamRole')).toBe(1);
    // The first read, then the re-read before the would-be second attempt.
    expect(ecs.count('DescribeInstanceRamRole')).toBe(2);
    expect(ledger.deadLetters).toEqual([]);
    expect(ecs.role(id)).toBe('EcsPaymentsRole');
  });

  it('a batch whose write reached half the instances: the retry writes only the other half', async () => {
    const ids = idsOf('ah', 100);
    const ecs = new FakeEcs(fleet(ids));
    // The call reached the first 50 only, then the connection was reset.
    ecs.faults.push({
      action: 'AttachInstanceRamRole',
      error: new SocketReset(),
      match: (asked) => asked.length === 100,
    });
    ecs.onCall = (call) => {
      if (call.action !== 'AttachInstanceRamRole' || call.ids.length !== 100) return;
      for (const id of call.ids.slice(0, 50)) {
        const instance = ecs.instances.get(id);
        if (instance !== undefined) instance.role = call.role ?? null;
      }
    };
    const { summary } = await reconcile(fakeContext(ecs, policy()), ids.map(stateChangeRef));

    expect(summary.counts).toEqual({ 'already-correct': 50, attached: 50 });
    const attaches = ecs.calls.filter((c) => c.action === 'AttachInstanceRamRole').map((c) => c.ids);
    expect(attaches).toEqual([ids, ids.slice(50)]);
    expect(ids.every((id) => ecs.role(id) === 'EcsPaymentsRole')).toBe(true);
  });

  it('on the last attempt: the re-read after the retries still finds it done', async () => {
    const [id] = idsOf('al', 1) as [string];
    const ecs = new FakeEcs(fleet([id]));
    ecs.faults.push({ action: 'AttachInstanceRamRole', error: new RequestTimeoutError(), applied: true });
    const { summary, ledger } = await reconcile(fakeContext(ecs, policy(), 1), [stateChangeRef(id)]);

    expect(summary.results[0]).toMatchObject({ outcome: 'already-correct', role: 'EcsPaymentsRole' });
    expect(ecs.count('AttachInstanceRamRole')).toBe(1);
    expect(ledger.deadLetters).toEqual([]);
  });

  it('a replace whose detach answer was lost: re-read, then the attach: replaced, one detach', async () => {
    const [id] = idsOf('ad', 1) as [string];
    const ecs = new FakeEcs(fleet([id], { role: 'EcsAppRole' }));
    ecs.faults.push({ action: 'DetachInstanceRamRole', error: new SocketReset(), applied: true });
    const { summary, ledger } = await reconcile(fakeContext(ecs, policy({ onExistingRole: 'replace' })), [
      stateChangeRef(id),
    ]);

    expect(summary.results[0]).toMatchObject({
      outcome: 'replaced',
      role: 'EcsPaymentsRole',
      previousRole: 'EcsAppRole',
    });
    expect(ecs.count('DetachInstanceRamRole')).toBe(1);
    expect(ecs.count('AttachInstanceRamRole')).toBe(1);
    expect(ledger.deadLetters).toEqual([]);
  });
});
