import type { InstanceKind, InstanceRecord } from '../dead-letter/dead-letter-record.js';
import type { ErrorInfo } from '../errors/classify.js';
import type { InstanceRef } from '../events/instance-ref.js';
import type { ItemFailure } from '../retry/retry-batch.js';
import type { InstanceOutcome } from './outcomes.js';

export const refKey = (regionId: string, instanceId: string): string => `${regionId}/${instanceId}`;

export interface DeadLetterDetails {
  kind: InstanceKind;
  info: ErrorInfo;
  attempts: number;
  desiredRole?: string | null;
  currentRole?: string | null;
  previousRole?: string;
  rule?: string;
  /** `account`: the failure is the account's (its credentials), not this instance's. */
  scope?: 'account';
}

/**
 * The dead-letter kind of a failure that is not a replace's (that has its own kind): `deadline` when the
 * invocation ran out of time, else `attach-failed`.
 */
export const failureKind = (failure: Pick<ItemFailure, 'stoppedBy'>): 'deadline' | 'attach-failed' =>
  failure.stoppedBy === 'deadline' ? 'deadline' : 'attach-failed';

/**
 * Records exactly one outcome per instance reference, and the dead-letter records that go with them. Whatever
 * has no outcome when the run ends was cut off by the deadline, so `unsettled()` lets the caller dead-letter it.
 */
export class Ledger {
  readonly #refs = new Map<string, InstanceRef>();
  readonly #outcomes = new Map<string, InstanceOutcome>();
  readonly deadLetters: InstanceRecord[] = [];
  readonly #fcRequestId: string;
  readonly #now: () => number;

  constructor(refs: readonly InstanceRef[], fcRequestId: string, now: () => number) {
    for (const ref of refs) this.#refs.set(refKey(ref.regionId, ref.instanceId), ref);
    this.#fcRequestId = fcRequestId;
    this.#now = now;
  }

  ref(regionId: string, instanceId: string): InstanceRef {
    const ref = this.#refs.get(refKey(regionId, instanceId));
    if (ref === undefined) throw new Error(`no reference for ${regionId}/${instanceId}`);
    return ref;
  }

  settle(
    regionId: string,
    instanceId: string,
    result: Omit<InstanceOutcome, 'instanceId' | 'regionId'>,
  ): void {
    const key = refKey(regionId, instanceId);
    if (this.#outcomes.has(key)) throw new Error(`outcome for ${key} recorded twice`);
    this.#outcomes.set(key, { instanceId, regionId, ...result });
  }

  /** Settles the instance as `dead-lettered` and queues its record. */
  deadLetter(regionId: string, instanceId: string, details: DeadLetterDetails): void {
    const { info } = details;
    const result: Omit<InstanceOutcome, 'instanceId' | 'regionId'> = {
      outcome: 'dead-lettered',
      reason: details.kind,
      error: { code: info.code, message: info.message },
    };
    if (details.desiredRole) result.role = details.desiredRole;
    if (details.previousRole) result.previousRole = details.previousRole;
    if (details.rule) result.rule = details.rule;
    this.settle(regionId, instanceId, result);
    this.record(regionId, instanceId, details);
  }

  /**
   * Queues a dead-letter record without changing the outcome (e.g. a reported `conflict`). A reference that is
   * itself a replayed record (redrive) gets no second record: whoever replayed it still holds the first, and keeps
   * or deletes it by the outcome; writing another would multiply the queue on every replay.
   */
  record(regionId: string, instanceId: string, details: DeadLetterDetails): void {
    const ref = this.ref(regionId, instanceId);
    if (ref.reason === 'redrive') return;
    const { info } = details;
    const record: InstanceRecord = {
      kind: details.kind,
      version: 1,
      at: new Date(this.#now()).toISOString(),
      regionId,
      instanceId,
      desiredRole: details.desiredRole ?? null,
      currentRole: details.currentRole ?? null,
      error: { code: info.code, message: info.message, class: info.errorClass },
      attempts: details.attempts,
      source: { eventId: ref.eventId, eventType: ref.eventType, fcRequestId: this.#fcRequestId },
    };
    if (ref.accountId !== undefined) record.accountId = ref.accountId;
    if (details.previousRole !== undefined) record.previousRole = details.previousRole;
    if (details.rule !== undefined) record.rule = details.rule;
    if (info.requestId !== undefined) record.error.requestId = info.requestId;
    if (details.scope !== undefined) record.error.scope = details.scope;
    this.deadLetters.push(record);
  }

  unsettled(): InstanceRef[] {
    return [...this.#refs.entries()].filter(([key]) => !this.#outcomes.has(key)).map(([, ref]) => ref);
  }

  /** Outcomes in the order the references came in. */
  results(): InstanceOutcome[] {
    return [...this.#refs.keys()].flatMap((key) => {
      const outcome = this.#outcomes.get(key);
      return outcome === undefined ? [] : [outcome];
    });
  }
}
