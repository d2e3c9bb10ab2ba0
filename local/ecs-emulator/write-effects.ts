import type { ActionEffects } from './actions/action.js';
import { type ApiCallRecord, actionTrailEvent, tagChangeEvent } from './cloud-events.js';
import type { EcsInstance, EcsState } from './ecs-state.js';
import type { EventPublisher } from './event-publisher.js';
import type { LaunchSpec, Lifecycle } from './lifecycle.js';

/** Delays of the events a write causes, in ms; read at each call, so they may change while running. */
export interface EventTiming {
  /** ActionTrail delivers its records a little after the call (documented as minutes at worst; small here). */
  actionTrailDelayMs: number;
  /** The Tag service's Tag:ChangeOnResource after the change. */
  tagEventDelayMs: number;
}

interface TagChange {
  instanceId: string;
  region: string;
  changedTagKeys: readonly string[];
  /** The instance's tags right after the change. */
  tags: Readonly<Record<string, string>>;
}

/**
 * One call's effects: lifecycles start at once (the state changes are real as soon as the action makes them);
 * the events that only report on the call — Tag:ChangeOnResource, ActionTrail — are held until the call has
 * succeeded, then published after their delays. A failed call publishes nothing.
 */
export class CallEffects implements ActionEffects {
  readonly #state: EcsState;
  readonly #lifecycle: Lifecycle;
  readonly #referenced: string[] = [];
  readonly #tagChanges: TagChange[] = [];

  constructor(state: EcsState, lifecycle: Lifecycle) {
    this.#state = state;
    this.#lifecycle = lifecycle;
  }

  launch(spec: LaunchSpec): EcsInstance[] {
    return this.#lifecycle.launch(spec);
  }

  release(instanceIds: readonly string[]): void {
    this.#lifecycle.release(instanceIds);
  }

  tagsChanged(instanceId: string, changedTagKeys: readonly string[]): void {
    const instance = this.#state.instance(instanceId);
    if (!instance) return;
    this.#tagChanges.push({
      instanceId,
      region: instance.region,
      changedTagKeys: [...changedTagKeys],
      tags: instance.tags,
    });
  }

  reference(instanceIds: readonly string[]): void {
    for (const id of instanceIds) if (!this.#referenced.includes(id)) this.#referenced.push(id);
  }

  /** Publishes the events of a call that succeeded: tag changes, then (for writes) its ActionTrail record. */
  publish(
    publisher: EventPublisher,
    timing: EventTiming,
    accountId: string,
    trail: (Omit<ApiCallRecord, 'instanceIds' | 'subjectInstanceId'> & { subject: boolean }) | undefined,
  ): void {
    for (const change of this.#tagChanges) {
      publisher.publishAfter(timing.tagEventDelayMs, (publishedAt) =>
        tagChangeEvent(
          { accountId, region: change.region, publishedAt },
          change.instanceId,
          change.changedTagKeys,
          change.tags,
        ),
      );
    }
    if (trail === undefined) return;
    const { subject, ...call } = trail;
    const instanceIds = [...this.#referenced];
    const first = instanceIds[0];
    const record: ApiCallRecord = {
      ...call,
      instanceIds,
      ...(subject && first !== undefined ? { subjectInstanceId: first } : {}),
    };
    publisher.publishAfter(timing.actionTrailDelayMs, (publishedAt) =>
      actionTrailEvent({ accountId, region: call.region, publishedAt }, record),
    );
  }
}
