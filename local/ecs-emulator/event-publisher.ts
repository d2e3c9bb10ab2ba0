import { EventEmitter } from 'node:events';
import { type ActionTrailForm, type EcsCloudEvent, inActionTrailForm } from './cloud-events.js';
import type { Scheduler } from './scheduler.js';

export type EcsEventListener = (event: EcsCloudEvent) => void;

/** `emitter.on('event', listener)` receives every event the emulator publishes, in order. */
export type EcsEventEmitter = EventEmitter<{ event: [EcsCloudEvent] }>;

/**
 * Hands events to the `onEvent` option and the `events` emitter. Events built for later delivery are built when
 * they go out, so their `time`/`aliyunpublishtime` are the publication time. ActionTrail events go out in the
 * envelope `actionTrailForm` names (default: the documented `acs.actiontrail` one). A listener that throws does
 * not stop delivery to the others or the emulator: its error goes to `onError`.
 */
export class EventPublisher {
  readonly emitter: EcsEventEmitter = new EventEmitter();
  readonly #scheduler: Scheduler;
  readonly #onEvent: EcsEventListener | undefined;
  readonly #now: () => number;
  readonly #onError: (error: unknown) => void;
  readonly #actionTrailForm: ActionTrailForm;

  constructor(deps: {
    scheduler: Scheduler;
    now: () => number;
    onEvent?: EcsEventListener | undefined;
    onError: (error: unknown) => void;
    actionTrailForm?: ActionTrailForm | undefined;
  }) {
    this.#scheduler = deps.scheduler;
    this.#now = deps.now;
    this.#onEvent = deps.onEvent;
    this.#onError = deps.onError;
    this.#actionTrailForm = deps.actionTrailForm ?? 'actiontrail';
  }

  /** Delivers an event now (called from scheduled tasks, so never within an API call). */
  publish(built: EcsCloudEvent): void {
    const event = inActionTrailForm(built, this.#actionTrailForm);
    try {
      this.#onEvent?.(event);
    } catch (error) {
      this.#onError(error);
    }
    // Not `emit`: it would stop at the first listener that throws. Raw listeners keep `once` semantics.
    for (const listener of this.emitter.rawListeners('event')) {
      try {
        listener.call(this.emitter, event);
      } catch (error) {
        this.#onError(error);
      }
    }
  }

  /** Builds and delivers an event after `delayMs`; `build` gets the publication time (ms since epoch). */
  publishAfter(delayMs: number, build: (publishedAt: number) => EcsCloudEvent): void {
    this.#scheduler.after(delayMs, () => this.publish(build(this.#now())));
  }
}
