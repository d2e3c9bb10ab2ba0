import { CallLog } from '../call-log.js';
import type { CredentialStore } from '../credential-store.js';
import { type RequestHandler, startHttpServer } from '../http/http-server.js';
import type { RamState } from '../ram-emulator/ram-state.js';
import type { Seed } from '../seed.js';
import { behaviourFrom, type EcsBehaviour } from './behaviour.js';
import { callerAccessKeyId } from './caller-key.js';
import { type ChaosOptions, EcsChaos } from './chaos.js';
import type { ActionTrailForm } from './cloud-events.js';
import { createEcsHandler } from './ecs-server.js';
import { EcsState } from './ecs-state.js';
import { type EcsEventEmitter, type EcsEventListener, EventPublisher } from './event-publisher.js';
import { EcsFaults } from './faults.js';
import { Lifecycle, type LifecycleTiming } from './lifecycle.js';
import { RateLimiter, type RateLimitTable } from './rate-limits.js';
import { Scheduler } from './scheduler.js';

export interface EcsEmulatorOptions {
  seed: Seed;
  /**
   * The account's RAM roles, shared with a RAM emulator (`startRamEmulator({state})`), so trust policies
   * changed there decide Attach's answer; the seed's roles are added to it. A state of its own by default.
   */
  ram?: RamState;
  /** AccessKeys (and STS tokens) the emulator accepts. */
  credentials: CredentialStore;
  /** Shared log of answered calls; a fresh one when omitted. */
  calls?: CallLog;
  /** 0 (default) picks a free port on 127.0.0.1. */
  port?: number;
  /**
   * Server clock (ms since epoch): the timestamp check, rate limit buckets, event times, `launchedAt` and
   * `firstRoleAt`; `Date.now` by default. Delays (lifecycle, lags) always run on real timers.
   */
  now?: () => number;
  /** Delay added to every answer, in ms (default 0). */
  latencyMs?: number;
  /** Delays of a launched instance: Pending → Starting → Running, in ms (default 0 and 0). */
  lifecycle?: { pendingMs?: number; startingMs?: number };
  /** From launch until Describe*, Attach and the tag APIs see a new instance, in ms (default 0). */
  visibilityLagMs?: number;
  /** From a successful write until its ActionTrail event, in ms (default 0). */
  actionTrailDelayMs?: number;
  /** From a tag change until its Tag:ChangeOnResource event, in ms (default 0). */
  tagEventDelayMs?: number;
  /**
   * Per-API token buckets, per region (`{DescribeInstances: {ratePerSecond: 10, burst: 20}}`); `'*'` is the
   * default for the others. No entry (the default): never throttled.
   */
  rateLimits?: RateLimitTable;
  /**
   * The envelope of ActionTrail events: `'actiontrail'` (default) is source `acs.actiontrail`, type
   * `actiontrail:ActionTrail:ApiCall`; `'product'` is source `acs.ecs`, type `ecs:ActionTrail:ApiCall`. Both are
   * documented (docs/cloud-facts.md EV-11, EV-12).
   */
  actionTrailForm?: ActionTrailForm;
  /**
   * How to answer where the documentation leaves ECS undecided (DescribeInstanceRamRole rows, the type of a
   * per-instance `Code`, the code for attaching to an instance that has a role); defaults in `DEFAULT_BEHAVIOUR`.
   */
  behaviour?: Partial<EcsBehaviour>;
  /**
   * More accounts, each with its own instances and roles (and rate limits, as ECS limits are per account): a
   * call goes to the account its AccessKey belongs to (`CredentialStore` keys' `accountId`; the seed's account
   * for keys that name none), so one account's keys never see or change another's instances.
   */
  members?: readonly { seed: Seed; ram?: RamState }[];
  /** Receives every event the emulated account emits (also on `events`). */
  onEvent?: EcsEventListener;
  /** Gets what a failing `onEvent`/listener throws (default: a process warning). */
  onEventError?: (error: unknown) => void;
  /** Random faults from the start (`EcsEmulator.chaos` turns them on and off later). */
  chaos?: ChaosOptions;
}

/** The delays `EcsEmulator.timing` holds; each is read when used, so changes apply to later work. */
export interface EcsTiming extends LifecycleTiming {
  actionTrailDelayMs: number;
  tagEventDelayMs: number;
}

export interface EcsEmulator {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  /** `127.0.0.1:PORT`: the `endpoint` to give the ECS SDK (with `protocol: 'http'`). */
  readonly host: string;
  readonly port: number;
  /** The single source of truth: instances (with `visible`, `launchedAt`, `firstRoleAt`) and roles. */
  readonly state: EcsState;
  /** Every account's state, the seed's account first (`members` add the others). */
  readonly accounts: ReadonlyMap<string, EcsState>;
  readonly faults: EcsFaults;
  readonly calls: CallLog;
  /** Delay added to every answer, in ms; may be changed while running. */
  latencyMs: number;
  /** Lifecycle and event delays; may be changed while running. */
  readonly timing: EcsTiming;
  /** Rate limits; `set`/`setDefault`/`clear` take effect on the next call. */
  readonly rateLimits: RateLimiter;
  /** How undocumented corners are answered (`EcsEmulatorOptions.behaviour`); changes apply to the next call. */
  readonly behaviour: EcsBehaviour;
  /** Random faults (with what they injected so far), or undefined when off; may be set while running. */
  chaos: EcsChaos | undefined;
  /** `events.on('event', e => …)`: every CloudEvent the emulated account emits. */
  readonly events: EcsEventEmitter;
  /** Delayed work (lifecycle steps, visibility, event deliveries) not yet done. */
  readonly pendingWork: number;
  /** Does all delayed work now, in due order, as if the delays had passed: for deterministic tests. */
  flush(): void;
  /** Resolves once no delayed work is pending (on real timers). */
  settle(): Promise<void>;
  /** Cancels all delayed work and stops the server. */
  close(): Promise<void>;
}

/** Starts the ECS API emulator on 127.0.0.1. */
export async function startEcsEmulator(options: EcsEmulatorOptions): Promise<EcsEmulator> {
  const now = options.now ?? Date.now;
  const state = new EcsState(options.seed, now, options.ram);
  const faults = new EcsFaults();
  const calls = options.calls ?? new CallLog();
  const reportError =
    options.onEventError ??
    ((error: unknown) => process.emitWarning(`ECS emulator event listener failed: ${String(error)}`));
  const scheduler = new Scheduler(reportError);
  const publisher = new EventPublisher({
    scheduler,
    now,
    onEvent: options.onEvent,
    onError: reportError,
    actionTrailForm: options.actionTrailForm,
  });
  const timing: EcsTiming = {
    pendingMs: options.lifecycle?.pendingMs ?? 0,
    startingMs: options.lifecycle?.startingMs ?? 0,
    visibilityLagMs: options.visibilityLagMs ?? 0,
    actionTrailDelayMs: options.actionTrailDelayMs ?? 0,
    tagEventDelayMs: options.tagEventDelayMs ?? 0,
  };
  const rateLimits = new RateLimiter(options.rateLimits ?? {}, now);
  const behaviour = behaviourFrom(options.behaviour);
  let chaos = options.chaos === undefined ? undefined : new EcsChaos(options.chaos);
  const settings = {
    latencyMs: options.latencyMs ?? 0,
    get actionTrailDelayMs() {
      return timing.actionTrailDelayMs;
    },
    get tagEventDelayMs() {
      return timing.tagEventDelayMs;
    },
  };
  const accountHandler = (accountState: EcsState, limits: RateLimiter) =>
    createEcsHandler({
      state: accountState,
      faults,
      credentials: options.credentials,
      calls,
      now,
      settings,
      behaviour,
      limits,
      lifecycle: new Lifecycle({ state: accountState, scheduler, publisher, timing, now }),
      publisher,
      chaos: () => chaos,
    });
  const accounts = new Map<string, EcsState>([[state.accountId, state]]);
  const handlers = new Map([[state.accountId, accountHandler(state, rateLimits)]]);
  for (const member of options.members ?? []) {
    const memberState = new EcsState(member.seed, now, member.ram);
    accounts.set(memberState.accountId, memberState);
    handlers.set(
      memberState.accountId,
      accountHandler(memberState, new RateLimiter(options.rateLimits ?? {}, now)),
    );
  }
  const primary = handlers.get(state.accountId) as RequestHandler;
  const server = await startHttpServer(
    handlers.size === 1
      ? primary
      : (req, res, body) => {
          const id = callerAccessKeyId(req, body);
          const account = id === undefined ? undefined : options.credentials.accountOf(id, state.accountId);
          // An unknown key goes to the primary account, which refuses it as the gateway does.
          return (account === undefined ? primary : (handlers.get(account) ?? primary))(req, res, body);
        },
    options.port ?? 0,
  );
  return {
    url: server.url,
    host: server.host,
    port: server.port,
    state,
    accounts,
    faults,
    calls,
    get latencyMs() {
      return settings.latencyMs;
    },
    set latencyMs(value: number) {
      settings.latencyMs = value;
    },
    timing,
    rateLimits,
    behaviour,
    get chaos() {
      return chaos;
    },
    set chaos(value: EcsChaos | undefined) {
      chaos = value;
    },
    events: publisher.emitter,
    get pendingWork() {
      return scheduler.pending;
    },
    flush: () => scheduler.flush(),
    settle: () => scheduler.idle(),
    close: async () => {
      scheduler.close();
      await server.close();
    },
  };
}

export { DEFAULT_BEHAVIOUR, type EcsBehaviour } from './behaviour.js';
export { type ChaosKind, type ChaosOptions, type ChaosRates, EcsChaos, seededRandom } from './chaos.js';
export type { ActionTrailForm, EcsCloudEvent } from './cloud-events.js';
export { ACTIONTRAIL_TYPES } from './cloud-events.js';
export { ECS_ERRORS, type EcsErrorCode } from './ecs-errors.js';
export type { EcsInstance, EcsRole, InstanceStatus, NetworkType, NewInstance } from './ecs-state.js';
export { EcsState } from './ecs-state.js';
export type { EcsEventEmitter, EcsEventListener } from './event-publisher.js';
export type { FaultSpec, ScriptedFault } from './faults.js';
export { EcsFaults } from './faults.js';
export type { RateLimit, RateLimitTable } from './rate-limits.js';
export { RateLimiter } from './rate-limits.js';
