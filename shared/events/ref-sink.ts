import type { IgnoredEvent, PoisonEvent } from './decoded-event.js';
import type { InstanceRef } from './instance-ref.js';
import { MAX_REFS_PER_INPUT } from './limits.js';

/** Positions to roll back to when the event being decoded turns out to be poison after all. */
export interface SinkMark {
  refs: number;
  overflow: number;
  ignored: number;
  poison: number;
}

const refKey = (ref: InstanceRef): string => `${ref.regionId}/${ref.instanceId}`;

/**
 * Collects what one input decodes to. Refs are unique by (region, instance) across the whole input: the first
 * event naming an instance wins, later ones are dropped (the truth is read from ECS anyway; a `launch` dropped so
 * only costs a role read). Refs beyond the budget (`MAX_REFS_PER_INPUT`) are held as overflow, which the event's
 * decoder turns into a poison entry.
 */
export class RefSink {
  readonly refs: InstanceRef[] = [];
  readonly ignored: IgnoredEvent[] = [];
  readonly poison: PoisonEvent[] = [];
  readonly #overflow: InstanceRef[] = [];
  readonly #seen = new Set<string>();
  readonly #maxRefs: number;

  constructor(maxRefs = MAX_REFS_PER_INPUT) {
    this.#maxRefs = maxRefs;
  }

  addRef(ref: InstanceRef): void {
    const key = refKey(ref);
    if (this.#seen.has(key)) return;
    this.#seen.add(key);
    if (this.refs.length < this.#maxRefs) this.refs.push(ref);
    else this.#overflow.push(ref);
  }

  addIgnored(ignored: IgnoredEvent): void {
    this.ignored.push(ignored);
  }

  addPoison(poison: PoisonEvent): void {
    this.poison.push(poison);
  }

  mark(): SinkMark {
    return {
      refs: this.refs.length,
      overflow: this.#overflow.length,
      ignored: this.ignored.length,
      poison: this.poison.length,
    };
  }

  /** The refs over budget since `mark`, handed over (and forgotten here) to be made poison. */
  takeOverflow(mark: SinkMark): InstanceRef[] {
    return this.#overflow.splice(mark.overflow);
  }

  /** Forgets everything added since `mark`, so a poison event leaves no partial refs behind. */
  rollback(mark: SinkMark): void {
    for (const ref of this.refs.splice(mark.refs)) this.#seen.delete(refKey(ref));
    for (const ref of this.#overflow.splice(mark.overflow)) this.#seen.delete(refKey(ref));
    this.ignored.length = mark.ignored;
    this.poison.length = mark.poison;
  }
}
