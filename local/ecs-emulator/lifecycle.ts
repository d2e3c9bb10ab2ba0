import { instanceStateChangeEvent } from './cloud-events.js';
import type { EcsInstance, EcsState, InstanceStatus, NetworkType } from './ecs-state.js';
import type { EventPublisher } from './event-publisher.js';
import { newInstanceId } from './regions.js';
import type { Scheduler } from './scheduler.js';

/** Delays of a launched instance's life, in ms; read at each launch, so they may change while running. */
export interface LifecycleTiming {
  /** Pending → Starting. */
  pendingMs: number;
  /** Starting → Running. */
  startingMs: number;
  /** From launch until Describe* and Attach see the instance (0: at once). */
  visibilityLagMs: number;
}

export interface LaunchSpec {
  region: string;
  amount: number;
  tags: Readonly<Record<string, string>>;
  network: NetworkType;
  name?: string;
  instanceType?: string;
}

/**
 * Instance lifecycles, with an `ecs:Instance:StateChange` event per transition. Documented: RunInstances
 * instances start on their own and go Pending → Starting → Running. Inferred: the Pending event goes out as the
 * instance is created, which with a visibility lag is BEFORE the API sees it — the race a consumer of these
 * events really faces. A transition only happens if the instance is still in the state it leaves (a release
 * meanwhile ends its lifecycle).
 */
export class Lifecycle {
  readonly #state: EcsState;
  readonly #scheduler: Scheduler;
  readonly #publisher: EventPublisher;
  readonly #timing: LifecycleTiming;
  readonly #now: () => number;

  constructor(deps: {
    state: EcsState;
    scheduler: Scheduler;
    publisher: EventPublisher;
    timing: LifecycleTiming;
    now: () => number;
  }) {
    this.#state = deps.state;
    this.#scheduler = deps.scheduler;
    this.#publisher = deps.publisher;
    this.#timing = deps.timing;
    this.#now = deps.now;
  }

  /** Adds `amount` new Pending instances and starts their lifecycle. */
  launch(spec: LaunchSpec): EcsInstance[] {
    const { pendingMs, startingMs, visibilityLagMs } = this.#timing;
    const launchedAt = this.#now();
    const created = Array.from({ length: spec.amount }, () =>
      this.#state.addInstance({
        id: newInstanceId(spec.region, (id) => this.#state.instance(id) !== undefined),
        region: spec.region,
        status: 'Pending',
        network: spec.network,
        tags: { ...spec.tags },
        visible: visibilityLagMs <= 0,
        ...(spec.name === undefined ? {} : { name: spec.name }),
        ...(spec.instanceType === undefined ? {} : { instanceType: spec.instanceType }),
        launchedAt,
      }),
    );
    const ids = created.map((i) => i.id);
    this.#scheduler.after(0, () => this.#announce(ids, 'Pending'));
    if (visibilityLagMs > 0) {
      this.#scheduler.after(visibilityLagMs, () => {
        for (const id of ids) if (this.#state.instance(id)) this.#state.setVisible(id, true);
      });
    }
    this.#scheduler.after(pendingMs, () => {
      const starting = this.#transition(ids, 'Pending', 'Starting');
      this.#scheduler.after(startingMs, () => this.#transition(starting, 'Starting', 'Running'));
    });
    return created;
  }

  /** Releases instances: Deleted at once (Describe* stop listing them), with their state change event. */
  release(ids: readonly string[]): void {
    for (const id of ids) this.#state.setStatus(id, 'Deleted');
    const released = [...ids];
    this.#scheduler.after(0, () => this.#announce(released, 'Deleted'));
  }

  /** Moves the instances still in `from` to `to`, announcing each; returns the ones moved. */
  #transition(ids: readonly string[], from: InstanceStatus, to: InstanceStatus): string[] {
    const moved = ids.filter((id) => this.#state.instance(id)?.status === from);
    for (const id of moved) this.#state.setStatus(id, to);
    this.#announce(moved, to);
    return moved;
  }

  #announce(ids: readonly string[], state: InstanceStatus): void {
    for (const id of ids) {
      const instance = this.#state.instance(id);
      if (!instance) continue;
      this.#publisher.publish(
        instanceStateChangeEvent(
          { accountId: this.#state.accountId, region: instance.region, publishedAt: this.#now() },
          id,
          state,
        ),
      );
    }
  }
}
