import { messageForCode, statusForCode } from './ecs-errors.js';

/** A failure (or delay) to inject into upcoming calls. */
export interface FaultSpec {
  /** API action it applies to (`AttachInstanceRamRole`), or `*` for any action. */
  action: string;
  /** Error code to answer with; omit for a latency-only fault. */
  code?: string;
  /** HTTP status; defaults per code (Throttling* 400, ServiceUnavailable 503, InternalError 500, …). */
  status?: number;
  /** Error message; defaults to the code's documented message. */
  message?: string;
  /**
   * How many matching calls it affects; default 1, `Infinity` allowed. A call counts once it is authenticated and
   * names a known action, even if it then fails for another reason (an unknown role, say).
   */
  times?: number;
  /**
   * Only calls naming this instance. On Attach/DetachInstanceRamRole it fails just that instance inside the 200
   * results; on other actions it fails the whole call.
   */
  instanceId?: string;
  /** Delay before answering, in ms. */
  latencyMs?: number;
  /** Sent as `x-acs-retry-after` (ms), which the SDK exposes as `ThrottlingError.retryAfter`. */
  retryAfterMs?: number;
  /**
   * Another writer's move, just before the call runs: `instanceId` gets this role (`null`: loses its role), as a
   * concurrent invocation or someone in the console would do it between the caller's read and its write. Needs
   * `instanceId`; may come with or without a code.
   */
  concurrentRole?: string | null;
  /**
   * Holds each matching call, before it runs, until this many matching calls have arrived, then lets them all
   * go: two callers that must both have read before either writes, however fast or loaded the machine is.
   * `times` defaults to this.
   */
  barrier?: number;
}

export interface ScriptedFault extends Readonly<FaultSpec> {
  /** Matching calls it will still affect. */
  readonly remaining: number;
  /** Matching calls it has affected. */
  readonly hits: number;
}

export interface InjectedError {
  code: string;
  status: number;
  message: string;
  retryAfterMs?: number;
}

/** What the faults decided for one call. */
export interface FaultOutcome {
  latencyMs: number;
  /** Fail the whole call with this. */
  error?: InjectedError;
  /** Fail these instances inside the 200 results (Attach/Detach only). */
  perInstance: Map<string, InjectedError>;
  /** Roles other writers give these instances just before the call runs (`FaultSpec.concurrentRole`). */
  concurrentRoles: Map<string, string | null>;
  /** Wait for these before running the call (`FaultSpec.barrier`). */
  holds: Promise<void>[];
}

interface MutableFault extends FaultSpec {
  remaining: number;
  hits: number;
  /** Calls held at the barrier, not yet let go. */
  held: (() => void)[];
}

/** Scripted faults, consumed in the order they were added. */
export class EcsFaults {
  readonly #faults: MutableFault[] = [];

  add(spec: FaultSpec): ScriptedFault {
    const times = spec.times ?? spec.barrier ?? 1;
    if (
      spec.barrier !== undefined &&
      !(Number.isInteger(spec.barrier) && spec.barrier >= 2 && times >= spec.barrier)
    ) {
      throw new Error(`a fault barrier must be an integer ≥ 2 and ≤ its times, got ${spec.barrier}`);
    }
    if (!(times >= 1) || (!Number.isInteger(times) && times !== Number.POSITIVE_INFINITY)) {
      throw new Error(`fault times must be a positive integer or Infinity, got ${spec.times}`);
    }
    if (
      spec.code === undefined &&
      spec.latencyMs === undefined &&
      spec.concurrentRole === undefined &&
      spec.barrier === undefined
    ) {
      throw new Error('a fault needs a code, a latencyMs, a concurrentRole or a barrier');
    }
    if (spec.concurrentRole !== undefined && spec.instanceId === undefined) {
      throw new Error('a fault with a concurrentRole needs the instanceId whose role changes');
    }
    const fault: MutableFault = { ...spec, remaining: times, hits: 0, held: [] };
    this.#faults.push(fault);
    return fault;
  }

  /** Drops every fault; calls held at a barrier go on. */
  clear(): void {
    for (const fault of this.#faults) for (const go of fault.held.splice(0)) go();
    this.#faults.length = 0;
  }

  /** Faults that still have calls to affect. */
  pending(): readonly ScriptedFault[] {
    return this.#faults.filter((f) => f.remaining > 0);
  }

  /**
   * Decides (and consumes) the faults for one authenticated call of a known action. `instanceIds` are the ids
   * the call names; `perInstanceResults` is true for actions that report per-instance failures inside a 200.
   */
  take(action: string, instanceIds: readonly string[], perInstanceResults: boolean): FaultOutcome {
    const outcome: FaultOutcome = {
      latencyMs: 0,
      perInstance: new Map(),
      concurrentRoles: new Map(),
      holds: [],
    };
    for (const fault of this.#faults) {
      if (fault.remaining <= 0 || (fault.action !== '*' && fault.action !== action)) continue;
      if (fault.instanceId !== undefined && !instanceIds.includes(fault.instanceId)) continue;
      if (fault.code !== undefined) {
        const error = injected(fault, fault.code);
        if (fault.instanceId !== undefined && perInstanceResults) {
          if (outcome.perInstance.has(fault.instanceId)) continue;
          outcome.perInstance.set(fault.instanceId, error);
        } else {
          // Only the first failure answers; later ones stay queued for later calls.
          if (outcome.error) continue;
          outcome.error = error;
        }
      }
      if (fault.concurrentRole !== undefined && fault.instanceId !== undefined) {
        outcome.concurrentRoles.set(fault.instanceId, fault.concurrentRole);
      }
      outcome.latencyMs += fault.latencyMs ?? 0;
      fault.remaining -= 1;
      fault.hits += 1;
      if (fault.barrier !== undefined) {
        outcome.holds.push(new Promise<void>((go) => fault.held.push(go)));
        if (fault.hits % fault.barrier === 0) for (const go of fault.held.splice(0)) go();
      }
    }
    this.#prune();
    return outcome;
  }

  #prune(): void {
    for (let i = this.#faults.length - 1; i >= 0; i -= 1) {
      if ((this.#faults[i]?.remaining ?? 0) <= 0) this.#faults.splice(i, 1);
    }
  }
}

function injected(fault: FaultSpec, code: string): InjectedError {
  return {
    code,
    status: fault.status ?? statusForCode(code),
    message: fault.message ?? messageForCode(code),
    ...(fault.retryAfterMs === undefined ? {} : { retryAfterMs: fault.retryAfterMs }),
  };
}
