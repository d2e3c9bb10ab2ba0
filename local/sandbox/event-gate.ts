import { decodeEvent } from '../../shared/events/decode-event.js';

/**
 * Between ECS and EventBridge: loses every event about chosen instances, as a lost or filtered-out event would
 * be lost (the scenario's `dropEvents` step). An event is dropped whole when it names any of them, read the way
 * the function reads it (`decodeEvent`).
 *
 * The instances of a launch are known only once RunInstances answers, while its events may already be on their
 * way; so while such a launch is in flight (`hold`), events wait here and are judged when it has answered.
 */
export class EventGate {
  readonly #deliver: (event: Record<string, unknown>) => void;
  readonly #defaults: { defaultRegionId: string; defaultAccountId: string };
  readonly #lost = new Set<string>();
  readonly #held: Record<string, unknown>[] = [];
  #holds = 0;
  /** Events lost so far. */
  dropped = 0;

  constructor(
    deliver: (event: Record<string, unknown>) => void,
    defaults: { defaultRegionId: string; defaultAccountId: string },
  ) {
    this.#deliver = deliver;
    this.#defaults = defaults;
  }

  publish = (event: Record<string, unknown>): void => {
    if (this.#holds > 0) this.#held.push(event);
    else this.#pass(event);
  };

  /** Every later event about these instances is lost. */
  lose(instanceIds: Iterable<string>): void {
    for (const id of instanceIds) this.#lost.add(id);
  }

  /** Events wait until the returned release is called (once per hold; holds nest). */
  hold(): () => void {
    this.#holds++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#holds--;
      if (this.#holds === 0) for (const event of this.#held.splice(0)) this.#pass(event);
    };
  }

  #pass(event: Record<string, unknown>): void {
    if (this.#lost.size > 0 && this.#names(event)) {
      this.dropped++;
      return;
    }
    this.#deliver(event);
  }

  #names(event: Record<string, unknown>): boolean {
    const { refs } = decodeEvent(JSON.stringify(event), this.#defaults);
    return refs.some((ref) => this.#lost.has(ref.instanceId));
  }
}
