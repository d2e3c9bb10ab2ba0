import { AppError } from '../errors/app-error.js';
import {
  batchFor,
  sharedTimeoutMs,
  splitInstances,
  splitRolePage,
  splitWrite,
  startAt,
  unionIds,
  type Waiting,
} from './coalesce-batches.js';
import {
  type CallOptions,
  type EcsAction,
  type EcsGateway,
  type InstanceState,
  MAX_IDS_PER_CALL,
  MAX_IDS_PER_ROLE_READ,
  type RolePage,
  type WriteResult,
} from './ecs-gateway.js';

/** Time as the coalescer sees it; tests drive it by hand. */
export interface CoalescerClock {
  now(): number;
  setTimeout(run: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const systemClock: CoalescerClock = {
  now: Date.now,
  setTimeout: (run, ms) => setTimeout(run, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export interface EcsCoalescerOptions {
  /** How long a shared call waits for more callers after the first (0: no coalescing, every call as it comes). */
  windowMs: number;
  clock?: CoalescerClock;
}

/**
 * A caller stopped waiting for a shared call because its own time for the call ran out; the call goes on for
 * the others. Retryable, like the SDK's own timeout, so the engine ends the instances as `deadline`.
 */
export class CoalescedCallTimeoutError extends AppError {
  readonly action: string;
  readonly waitedMs: number;

  constructor(action: string, waitedMs: number) {
    super(
      'RequestTimeout',
      `the shared ${action} call had not answered after ${waitedMs} ms, all the time this invocation had for it`,
      { errorClass: 'retryable' },
    );
    this.action = action;
    this.waitedMs = waitedMs;
  }
}

/** An EcsGateway for one invocation; `release()` once the invocation no longer calls ECS. */
export interface CoalescedEcsGateway extends EcsGateway {
  release(): void;
}

/** Shared calls made, and the calls callers asked for (the difference is what coalescing saved). */
export interface CoalescerStats {
  sharedCalls: number;
  callerCalls: number;
}

interface Member<A> extends Waiting {
  ids: readonly string[];
  inner: EcsGateway;
  settled: boolean;
  timer: unknown;
  resolve(answer: A): void;
  reject(error: unknown): void;
}

interface Batch<A> {
  ids: Set<string>;
  members: Member<A>[];
  openedAt: number;
  timer: unknown;
  /** Its window is over and it waits for the rate budget, still open to callers. */
  held: boolean;
}

type SharedCall<A> = (inner: EcsGateway, ids: string[], options: CallOptions) => Promise<A>;

/** Calls of one kind (action, scope, region and, for writes, role) that may share one ECS call. */
class Lane<A> {
  readonly #batches: Batch<A>[] = [];

  constructor(
    readonly action: EcsAction,
    readonly regionId: string,
    readonly max: number,
    readonly call: SharedCall<A>,
    readonly owner: EcsCoalescer,
  ) {}

  get idle(): boolean {
    return this.#batches.length === 0;
  }

  /** Joins (or opens) a batch; resolves with the shared call's whole answer, for the caller to split. */
  join(inner: EcsGateway, ids: readonly string[], timeoutMs: number): Promise<A> {
    const { clock, windowMs } = this.owner;
    return new Promise<A>((resolve, reject) => {
      const member: Member<A> = {
        ids,
        inner,
        arrivedAt: clock.now(),
        timeoutMs,
        settled: false,
        timer: undefined,
        resolve,
        reject,
      };
      let index = batchFor(
        this.#batches.map((b) => b.ids),
        ids,
        this.max,
      );
      if (index === -1) {
        this.#batches.push({
          ids: new Set(),
          members: [],
          openedAt: member.arrivedAt,
          timer: undefined,
          held: false,
        });
        index = this.#batches.length - 1;
      }
      const batch = this.#batches[index] as Batch<A>;
      batch.members.push(member);
      for (const id of ids) batch.ids.add(id);
      member.timer = clock.setTimeout(() => this.#giveUp(member, batch), timeoutMs);
      if (batch.ids.size >= this.max) {
        this.#start(batch);
        return;
      }
      // Held open for the budget (see #start): its timer stands.
      if (batch.held) return;
      clock.clearTimeout(batch.timer);
      const at = startAt(batch.openedAt, windowMs, batch.members);
      batch.timer = clock.setTimeout(() => this.#start(batch), Math.max(0, at - clock.now()));
    });
  }

  /** The member's own time is up: it stops waiting; a batch not yet started goes on without its ids. */
  #giveUp(member: Member<A>, batch: Batch<A>): void {
    if (member.settled) return;
    member.settled = true;
    member.reject(new CoalescedCallTimeoutError(this.action, member.timeoutMs));
    const index = this.#batches.indexOf(batch);
    if (index === -1) return; // already started: the call goes on for the others
    batch.members = batch.members.filter((m) => m !== member);
    batch.ids = new Set(unionIds(batch.members.map((m) => m.ids)));
    if (batch.members.length === 0) {
      this.owner.clock.clearTimeout(batch.timer);
      this.#batches.splice(index, 1);
    }
  }

  #start(batch: Batch<A>): void {
    const { clock } = this.owner;
    const index = this.#batches.indexOf(batch);
    if (index === -1) return;
    clock.clearTimeout(batch.timer);
    const members = batch.members.filter((m) => !m.settled);
    const first = members[0];
    if (first === undefined) {
      this.#batches.splice(index, 1);
      return;
    }
    // The rate budget would hold the call anyway: hold it open instead, so that callers arriving meanwhile
    // share it rather than queue calls of their own (under throttling, fewer and fuller calls). A full batch
    // goes now and waits in the budget. Held once, for one window at most: the wait is read off the budget's
    // clock, which need not be this one (a test's virtual clock moves only when the call sleeps), so an unbounded
    // hold could last forever.
    const held =
      !batch.held && batch.ids.size < this.max
        ? Math.min(this.owner.windowMs, first.inner.budgetWaitMs?.(this.regionId, this.action) ?? 0)
        : 0;
    if (held > 0) {
      batch.held = true;
      batch.timer = clock.setTimeout(() => this.#start(batch), held);
      return;
    }
    this.#batches.splice(index, 1);
    const ids = unionIds(members.map((m) => m.ids));
    this.owner.stats.sharedCalls++;
    const settle = (done: (m: Member<A>) => void) => {
      for (const m of members) {
        if (m.settled) continue;
        m.settled = true;
        clock.clearTimeout(m.timer);
        done(m);
      }
    };
    // The first member's gateway makes the call: every view of one coalescer shares the function's credentials
    // (`scope` keeps apart those that do not).
    this.call(first.inner, ids, { timeoutMs: sharedTimeoutMs(clock.now(), members) }).then(
      (answer) => settle((m) => m.resolve(answer)),
      // One failure, every member's: the same error, so each classifies it the same way.
      (error: unknown) => settle((m) => m.reject(error)),
    );
  }
}

/**
 * Merges the ECS calls of the invocations that run at once on one FC instance (`instanceConcurrency` > 1;
 * design: "Coalescing"): calls of one kind that arrive within `windowMs` of each other become one call —
 * DescribeInstances per region ≤ 100 ids, DescribeInstanceRamRole per region ≤ 50, Attach/DetachInstanceRamRole
 * per region and role ≤ 100 — and the answer is split back, so each invocation sees only its own instances.
 * Each caller waits at most its own call's time limit; one that runs out gets a retryable timeout while the
 * shared call goes on for the others. An invocation alone on the instance calls ECS at once, without a window.
 */
export class EcsCoalescer {
  readonly clock: CoalescerClock;
  readonly windowMs: number;
  readonly stats: CoalescerStats = { sharedCalls: 0, callerCalls: 0 };
  readonly #lanes = new Map<string, Lane<unknown>>();
  #active = 0;

  constructor(options: EcsCoalescerOptions) {
    this.windowMs = options.windowMs;
    this.clock = options.clock ?? systemClock;
  }

  /** Invocations holding a view now. */
  get active(): number {
    return this.#active;
  }

  /**
   * A gateway for one invocation over `inner` (its own SDK gateway). Calls share only with views of the same
   * `scope`: give views whose credentials differ (another account) different scopes.
   */
  view(inner: EcsGateway, scope = ''): CoalescedEcsGateway {
    this.#active++;
    let released = false;
    const coalescer = this;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.#active--;
      },
      // Listing pages (the sweep) are one caller's walk: nothing to share.
      listInstances: (regionId, nextToken, options) => inner.listInstances(regionId, nextToken, options),
      async describeInstances(regionId, ids, options): Promise<InstanceState[]> {
        const lane = coalescer.#lane(scope, 'DescribeInstances', regionId, '', MAX_IDS_PER_CALL, (g, i, o) =>
          g.describeInstances(regionId, i, o),
        );
        const shared = await coalescer.#ask(lane, inner, ids, options);
        return shared === undefined
          ? inner.describeInstances(regionId, ids, options)
          : splitInstances(shared, ids);
      },
      async describeInstanceRoles(regionId, ids, pageNumber, options): Promise<RolePage> {
        // Only first pages are shared; a later page belongs to one caller's list (rare: ≤ 50 ids fit one page).
        if (pageNumber !== 1) return inner.describeInstanceRoles(regionId, ids, pageNumber, options);
        const lane = coalescer.#lane(
          scope,
          'DescribeInstanceRamRole',
          regionId,
          '',
          MAX_IDS_PER_ROLE_READ,
          (g, i, o) => g.describeInstanceRoles(regionId, i, 1, o),
        );
        const arrivedAt = coalescer.clock.now();
        const shared = await coalescer.#ask(lane, inner, ids, options);
        if (shared === undefined) return inner.describeInstanceRoles(regionId, ids, 1, options);
        const mine = splitRolePage(shared, ids);
        if (mine !== undefined) return mine;
        // The shared page may not hold all of this caller's rows: ask for them alone, in the time left.
        const left = Math.max(1, options.timeoutMs - (coalescer.clock.now() - arrivedAt));
        return inner.describeInstanceRoles(regionId, ids, 1, { timeoutMs: left });
      },
      async attachRole(regionId, roleName, ids, options): Promise<WriteResult> {
        const lane = coalescer.#lane(
          scope,
          'AttachInstanceRamRole',
          regionId,
          roleName,
          MAX_IDS_PER_CALL,
          (g, i, o) => g.attachRole(regionId, roleName, i, o),
        );
        const shared = await coalescer.#ask(lane, inner, ids, options);
        return shared === undefined
          ? inner.attachRole(regionId, roleName, ids, options)
          : splitWrite(shared, ids);
      },
      async detachRole(regionId, roleName, ids, options): Promise<WriteResult> {
        const lane = coalescer.#lane(
          scope,
          'DetachInstanceRamRole',
          regionId,
          roleName,
          MAX_IDS_PER_CALL,
          (g, i, o) => g.detachRole(regionId, roleName, i, o),
        );
        const shared = await coalescer.#ask(lane, inner, ids, options);
        return shared === undefined
          ? inner.detachRole(regionId, roleName, ids, options)
          : splitWrite(shared, ids);
      },
    };
  }

  /**
   * The shared answer for `ids`, or `undefined` when the caller should call ECS itself: coalescing is off, the
   * invocation is alone on the instance with nothing open to join, or the ids are not a valid batch (the inner
   * gateway then refuses them as it would without coalescing).
   */
  async #ask<A>(
    lane: Lane<A>,
    inner: EcsGateway,
    ids: readonly string[],
    options: CallOptions,
  ): Promise<A | undefined> {
    this.stats.callerCalls++;
    const alone = this.#active <= 1 && lane.idle;
    if (this.windowMs === 0 || alone || ids.length === 0 || ids.length > lane.max) {
      this.stats.sharedCalls++;
      return undefined;
    }
    return lane.join(inner, ids, options.timeoutMs);
  }

  #lane<A>(
    scope: string,
    action: EcsAction,
    regionId: string,
    role: string,
    max: number,
    call: SharedCall<A>,
  ): Lane<A> {
    const key = `${scope}\0${action}\0${regionId}\0${role}`;
    let lane = this.#lanes.get(key) as Lane<A> | undefined;
    if (lane === undefined) {
      lane = new Lane(action, regionId, max, call, this);
      this.#lanes.set(key, lane as Lane<unknown>);
    }
    return lane;
  }
}
