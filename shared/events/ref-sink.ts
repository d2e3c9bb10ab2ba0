import type { IgnoredEvent, PoisonEvent } from './decoded-event.js';
import type { InstanceRef } from './instance-ref.js';

/** Positions to roll back to when the event being decoded turns out to be poison after all. */
export interface SinkMark {
  refs: number;
  ignored: number;
  poison: number;
}

/**
 * Collects what one input decodes to. Refs are unique by (region, instance) across the whole input: the first
 * event naming an instance wins, later ones are dropped (the truth is read from ECS anyway).
 */
export class RefSink {
  readonly refs: InstanceRef[] = [];
  readonly ignored: IgnoredEvent[] = [];
  readonly poison: PoisonEvent[] = [];
  readonly #seen = new Set<string>();

  addRef(ref: InstanceRef): void {
    const key = `${ref.regionId}/${ref.instanceId}`;
    if (this.#seen.has(key)) return;
    this.#seen.add(key);
    this.refs.push(ref);
  }

  addIgnored(ignored: IgnoredEvent): void {
    this.ignored.push(ignored);
  }

  addPoison(poison: PoisonEvent): void {
    this.poison.push(poison);
  }

  mark(): SinkMark {
    return { refs: this.refs.length, ignored: this.ignored.length, poison: this.poison.length };
  }

  /** Forgets everything added since `mark`, so a poison event leaves no partial refs behind. */
  rollback(mark: SinkMark): void {
    for (const ref of this.refs.splice(mark.refs)) this.#seen.delete(`${ref.regionId}/${ref.instanceId}`);
    this.ignored.length = mark.ignored;
    this.poison.length = mark.poison;
  }
}
