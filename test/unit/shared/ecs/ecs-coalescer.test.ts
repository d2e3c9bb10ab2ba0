import { describe, expect, it } from 'vitest';
import { CoalescedCallTimeoutError, EcsCoalescer } from '../../../../shared/ecs/ecs-coalescer.js';
import type {
  CallOptions,
  EcsGateway,
  InstancePage,
  InstanceState,
  RolePage,
  WriteResult,
} from '../../../../shared/ecs/ecs-gateway.js';
import { describeError } from '../../../../shared/errors/classify.js';
import { ManualClock } from './manual-clock.js';

interface Call {
  action: string;
  ids: readonly string[];
  role?: string;
  timeoutMs: number;
  answer(value: unknown): void;
  fail(error: unknown): void;
}

/** An EcsGateway whose every call waits until the test answers or fails it. */
class HeldEcs implements EcsGateway {
  readonly calls: Call[] = [];

  #hold<T>(action: string, ids: readonly string[], options: CallOptions, role?: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.calls.push({
        action,
        ids: [...ids],
        timeoutMs: options.timeoutMs,
        ...(role === undefined ? {} : { role }),
        answer: (v) => resolve(v as T),
        fail: reject,
      });
    });
  }

  listInstances(_r: string, _t: string | null, o: CallOptions): Promise<InstancePage> {
    return this.#hold('DescribeInstances', [], o);
  }
  describeInstances(_r: string, ids: readonly string[], o: CallOptions): Promise<InstanceState[]> {
    return this.#hold('DescribeInstances', ids, o);
  }
  describeInstanceRoles(_r: string, ids: readonly string[], _p: number, o: CallOptions): Promise<RolePage> {
    return this.#hold('DescribeInstanceRamRole', ids, o);
  }
  attachRole(_r: string, role: string, ids: readonly string[], o: CallOptions): Promise<WriteResult> {
    return this.#hold('AttachInstanceRamRole', ids, o, role);
  }
  detachRole(_r: string, role: string, ids: readonly string[], o: CallOptions): Promise<WriteResult> {
    return this.#hold('DetachInstanceRamRole', ids, o, role);
  }
}

const R = 'cn-hangzhou';
const ids = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, k) => `i-bp1${prefix}${String(k).padStart(16, '0')}`);
const running = (instanceId: string): InstanceState => ({
  instanceId,
  regionId: R,
  status: 'Running',
  networkType: 'vpc',
  tags: {},
});
const ok = (instanceId: string) => ({ instanceId, ok: true, code: '200', message: '' });

/** Records how a promise ended, without letting a rejection go unhandled. */
function track<T>(promise: Promise<T>) {
  const seen: { value?: T; error?: unknown; done: boolean } = { done: false };
  promise.then(
    (value) => {
      seen.value = value;
      seen.done = true;
    },
    (error: unknown) => {
      seen.error = error;
      seen.done = true;
    },
  );
  return seen;
}

/** What the SDK throws for a service error: a code and an HTTP status (cloud-facts ECS-21). */
class ServiceError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly statusCode: number,
  ) {
    super(message);
  }
}

function setup(windowMs = 150) {
  const clock = new ManualClock();
  const ecs = new HeldEcs();
  const coalescer = new EcsCoalescer({ windowMs, clock });
  return { clock, ecs, coalescer };
}

describe('EcsCoalescer', () => {
  it('callers within the window share one call; each gets only its own instances', async () => {
    const { clock, ecs, coalescer } = setup();
    const [a, b] = [coalescer.view(ecs), coalescer.view(ecs)];
    const first = track(a.describeInstances(R, ids('a', 2), { timeoutMs: 60_000 }));
    await clock.advance(100);
    const second = track(b.describeInstances(R, ids('b', 3), { timeoutMs: 60_000 }));
    await clock.advance(49);
    expect(ecs.calls).toHaveLength(0);
    await clock.advance(1);
    expect(ecs.calls.map((c) => c.ids)).toEqual([[...ids('a', 2), ...ids('b', 3)]]);
    // Ask about b's first instance twice over: still one row for it, to b only.
    ecs.calls[0]?.answer([...ids('a', 2), ...ids('b', 3)].map(running));
    await clock.advance(0);
    expect(first.value?.map((i) => i.instanceId)).toEqual(ids('a', 2));
    expect(second.value?.map((i) => i.instanceId)).toEqual(ids('b', 3));
    expect(coalescer.stats).toEqual({ sharedCalls: 1, callerCalls: 2 });
  });

  it('an invocation alone on the instance calls at once, without waiting for a window', async () => {
    const { clock, ecs, coalescer } = setup();
    const a = coalescer.view(ecs);
    void a.attachRole(R, 'EcsAppRole', ids('a', 1), { timeoutMs: 60_000 });
    await clock.advance(0);
    expect(ecs.calls).toHaveLength(1);
    const b = coalescer.view(ecs);
    b.release();
    b.release(); // twice is once
    void a.attachRole(R, 'EcsAppRole', ids('a', 1), { timeoutMs: 60_000 });
    await clock.advance(0);
    expect(ecs.calls).toHaveLength(2);
    expect(coalescer.active).toBe(1);
  });

  it('window 0 turns coalescing off', async () => {
    const { clock, ecs, coalescer } = setup(0);
    const [a, b] = [coalescer.view(ecs), coalescer.view(ecs)];
    void a.describeInstances(R, ids('a', 1), { timeoutMs: 1000 });
    void b.describeInstances(R, ids('b', 1), { timeoutMs: 1000 });
    await clock.advance(0);
    expect(ecs.calls.map((c) => c.ids.length)).toEqual([1, 1]);
  });

  it('a full batch starts at once; the caller that does not fit opens the next batch', async () => {
    const { clock, ecs, coalescer } = setup();
    const views = [coalescer.view(ecs), coalescer.view(ecs), coalescer.view(ecs)];
    void views[0]?.describeInstanceRoles(R, ids('a', 30), 1, { timeoutMs: 60_000 });
    void views[1]?.describeInstanceRoles(R, ids('b', 30), 1, { timeoutMs: 60_000 });
    void views[2]?.describeInstanceRoles(R, ids('c', 20), 1, { timeoutMs: 60_000 });
    expect(ecs.calls).toHaveLength(1);
    expect(ecs.calls[0]?.ids).toEqual([...ids('a', 30), ...ids('c', 20)]);
    await clock.advance(150);
    expect(ecs.calls[1]?.ids).toEqual(ids('b', 30));
  });

  it('writes share per role only, and per-instance codes go to the caller that sent the instance', async () => {
    const { clock, ecs, coalescer } = setup();
    const [a, b, c] = [coalescer.view(ecs), coalescer.view(ecs), coalescer.view(ecs)];
    const ra = track(a.attachRole(R, 'EcsAppRole', ids('a', 2), { timeoutMs: 60_000 }));
    const rb = track(b.attachRole(R, 'EcsAppRole', ids('b', 2), { timeoutMs: 60_000 }));
    const rc = track(c.attachRole(R, 'EcsPaymentsRole', ids('c', 1), { timeoutMs: 60_000 }));
    await clock.advance(150);
    expect(ecs.calls.map((call) => [call.role, call.ids.length])).toEqual([
      ['EcsAppRole', 4],
      ['EcsPaymentsRole', 1],
    ]);
    const [a0, a1] = ids('a', 2) as [string, string];
    const [b0, b1] = ids('b', 2) as [string, string];
    ecs.calls[0]?.answer({
      requestId: 'req-app',
      results: [
        ok(a0),
        { instanceId: a1, ok: false, code: 'InvalidInstanceId.NotFound', message: 'gone' },
        { instanceId: b0, ok: false, code: 'InvalidRamRole.NotEcsRole', message: 'no trust' },
        ok(b1),
      ],
    });
    await clock.advance(0);
    expect(ra.value?.results.map((r) => r.code)).toEqual(['200', 'InvalidInstanceId.NotFound']);
    expect(rb.value?.results.map((r) => [r.instanceId, r.code])).toEqual([
      [b0, 'InvalidRamRole.NotEcsRole'],
      [b1, '200'],
    ]);
    expect(ra.value?.requestId).toBe('req-app');
    expect(rc.done).toBe(false);
  });

  it('a failure of the shared call is every member’s, with its class', async () => {
    const { clock, ecs, coalescer } = setup();
    const [a, b] = [coalescer.view(ecs), coalescer.view(ecs)];
    const ra = track(a.detachRole(R, 'Old', ids('a', 1), { timeoutMs: 60_000 }));
    const rb = track(b.detachRole(R, 'Old', ids('b', 1), { timeoutMs: 60_000 }));
    await clock.advance(150);
    const throttled = new ServiceError(
      'Request was denied due to request throttling.',
      'Throttling.User',
      400,
    );
    ecs.calls[0]?.fail(throttled);
    await clock.advance(0);
    expect(ra.error).toBe(throttled);
    expect(rb.error).toBe(throttled);
    expect(describeError(rb.error).errorClass).toBe('retryable');

    const rc = track(a.detachRole(R, 'Old', ids('a', 1), { timeoutMs: 60_000 }));
    const rd = track(b.detachRole(R, 'Old', ids('b', 1), { timeoutMs: 60_000 }));
    await clock.advance(150);
    const forbidden = new ServiceError('no permission', 'Forbidden.RAM', 403);
    ecs.calls[1]?.fail(forbidden);
    await clock.advance(0);
    expect([rc.error, rd.error]).toEqual([forbidden, forbidden]);
    expect(describeError(rd.error).errorClass).toBe('permanent');
  });

  it('a member whose deadline comes first stops waiting; the shared call goes on for the others', async () => {
    const { clock, ecs, coalescer } = setup();
    const [a, b] = [coalescer.view(ecs), coalescer.view(ecs)];
    const hurried = track(a.describeInstances(R, ids('a', 1), { timeoutMs: 400 }));
    const patient = track(b.describeInstances(R, ids('b', 1), { timeoutMs: 60_000 }));
    await clock.advance(150);
    // The call may take as long as the patient member has left.
    expect(ecs.calls[0]?.timeoutMs).toBe(60_000 - 150);
    await clock.advance(249);
    expect(hurried.done).toBe(false);
    await clock.advance(1);
    expect(hurried.error).toBeInstanceOf(CoalescedCallTimeoutError);
    expect(describeError(hurried.error)).toMatchObject({ code: 'RequestTimeout', errorClass: 'retryable' });
    expect(patient.done).toBe(false);
    ecs.calls[0]?.answer([running(ids('a', 1)[0] ?? ''), running(ids('b', 1)[0] ?? '')]);
    await clock.advance(0);
    expect(patient.value?.map((i) => i.instanceId)).toEqual(ids('b', 1));
  });

  it('a member never waits in the window for more than half its time, and one that gives up before the start leaves its ids out', async () => {
    const { clock, ecs, coalescer } = setup(1000);
    const [a, b, c] = [coalescer.view(ecs), coalescer.view(ecs), coalescer.view(ecs)];
    const early = track(a.describeInstances(R, ids('a', 1), { timeoutMs: 60_000 }));
    await clock.advance(10);
    const brief = track(b.describeInstances(R, ids('b', 1), { timeoutMs: 100 }));
    await clock.advance(49);
    expect(ecs.calls).toHaveLength(0);
    await clock.advance(1);
    expect(ecs.calls.map((call) => call.ids)).toEqual([[...ids('a', 1), ...ids('b', 1)]]);
    expect([early.done, brief.done]).toEqual([false, false]);

    // A member that gives up before its batch starts: its ids are left out of the call.
    const gone = track(c.describeInstances(R, ids('c', 1), { timeoutMs: 0 }));
    const stays = track(a.describeInstances(R, ids('d', 1), { timeoutMs: 60_000 }));
    await clock.advance(0);
    expect(gone.error).toBeInstanceOf(CoalescedCallTimeoutError);
    await clock.advance(1000);
    expect(ecs.calls.at(-1)?.ids).toEqual(ids('d', 1));
    expect(stays.done).toBe(false);
  });

  it('an invocation released mid-way leaves the shared call with the others', async () => {
    const { clock, ecs, coalescer } = setup();
    const [a, b] = [coalescer.view(ecs), coalescer.view(ecs)];
    const ra = track(a.describeInstances(R, ids('a', 1), { timeoutMs: 300 }));
    const rb = track(b.describeInstances(R, ids('b', 1), { timeoutMs: 60_000 }));
    await clock.advance(150);
    await clock.advance(150);
    expect(ra.error).toBeInstanceOf(CoalescedCallTimeoutError);
    a.release();
    ecs.calls[0]?.answer([]);
    await clock.advance(0);
    expect(rb.value).toEqual([]);
  });

  it('role reads: pages after the first, and a shared page that may lack a caller’s rows, are asked alone', async () => {
    const { clock, ecs, coalescer } = setup();
    const [a, b] = [coalescer.view(ecs), coalescer.view(ecs)];
    void a.describeInstanceRoles(R, ids('a', 1), 2, { timeoutMs: 60_000 });
    await clock.advance(0);
    expect(ecs.calls).toHaveLength(1);

    const mine = track(a.describeInstanceRoles(R, ids('a', 1), 1, { timeoutMs: 60_000 }));
    void b.describeInstanceRoles(R, ids('b', 49), 1, { timeoutMs: 60_000 });
    await clock.advance(150);
    expect(ecs.calls[1]?.ids).toHaveLength(50);
    // A full page with more to come that does not list a's instance: a asks alone.
    const rows = ids('b', 49).map((instanceId) => ({ instanceId, roleName: null }));
    ecs.calls[1]?.answer({
      rows: [...rows, { instanceId: 'i-other', roleName: null }],
      rowCount: 50,
      totalCount: 60,
    });
    await clock.advance(0);
    expect(ecs.calls[2]?.ids).toEqual(ids('a', 1));
    ecs.calls[2]?.answer({ rows: [{ instanceId: ids('a', 1)[0], roleName: 'EcsAppRole' }], rowCount: 1 });
    await clock.advance(0);
    expect(mine.value?.rows).toEqual([{ instanceId: ids('a', 1)[0], roleName: 'EcsAppRole' }]);
  });

  it('a batch whose window ends while the rate budget would hold the call stays open to callers until the slot', async () => {
    const { clock, ecs, coalescer } = setup();
    // The budget's next DescribeInstances slot is 250 ms away (a hold lasts one window at most: 150 ms).
    let slotAt = clock.now() + 250;
    const budgeted = Object.assign(ecs, {
      budgetWaitMs: (_region: string, action: string) =>
        action === 'DescribeInstances' ? Math.max(0, slotAt - clock.now()) : 0,
    });
    const [a, b, c] = [coalescer.view(budgeted), coalescer.view(budgeted), coalescer.view(budgeted)];
    const first = track(a.describeInstances(R, ids('a', 2), { timeoutMs: 60_000 }));
    await clock.advance(150); // the window is over, the budget is not
    expect(ecs.calls).toHaveLength(0);
    // Arrives after the window: joins the held call instead of queueing one of its own.
    const second = track(b.describeInstances(R, ids('b', 2), { timeoutMs: 60_000 }));
    await clock.advance(99);
    expect(ecs.calls).toHaveLength(0);
    await clock.advance(1);
    expect(ecs.calls.map((call) => call.ids)).toEqual([[...ids('a', 2), ...ids('b', 2)]]);
    ecs.calls[0]?.answer([...ids('a', 2), ...ids('b', 2)].map(running));
    await clock.advance(0);
    expect(first.value?.map((i) => i.instanceId)).toEqual(ids('a', 2));
    expect(second.value?.map((i) => i.instanceId)).toEqual(ids('b', 2));
    // A hold never passes one more window, whatever the budget says (its clock need not be ours).
    slotAt = clock.now() + 10_000;
    void c.describeInstances(R, ids('e', 1), { timeoutMs: 60_000 });
    await clock.advance(299);
    expect(ecs.calls).toHaveLength(1);
    await clock.advance(1);
    expect(ecs.calls).toHaveLength(2);
    // A full batch is not held: it goes at once and waits in the budget itself.
    slotAt = clock.now() + 10_000;
    void a.describeInstances(R, ids('c', 60), { timeoutMs: 60_000 });
    void c.describeInstances(R, ids('d', 40), { timeoutMs: 60_000 });
    await clock.advance(0);
    expect(ecs.calls).toHaveLength(3);
    expect(ecs.calls[2]?.ids).toHaveLength(100);
  });

  it('views of different scopes never share', async () => {
    const { clock, ecs, coalescer } = setup();
    const [a, b] = [coalescer.view(ecs, 'account-1'), coalescer.view(ecs, 'account-2')];
    void a.describeInstances(R, ids('a', 1), { timeoutMs: 60_000 });
    void b.describeInstances(R, ids('b', 1), { timeoutMs: 60_000 });
    await clock.advance(150);
    expect(ecs.calls).toHaveLength(2);
  });
});
