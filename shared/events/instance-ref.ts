/** Why an event (or the sweep) points at an instance. Only a hint: the instance's tags are always read fresh from ECS. */
export type RefReason = 'created' | 'state-change' | 'tag-change' | 'redrive' | 'sweep';

/** One instance an event asks the function to look at. */
export interface InstanceRef {
  regionId: string;
  accountId?: string;
  instanceId: string;
  reason: RefReason;
  /** Id of the event that named the instance (CloudEvents `id`, CMS `id`, ActionTrail `eventId`…). */
  eventId: string;
  /** e.g. `ecs:Instance:StateChange`, `ecs:ActionTrail:ApiCall`, `Tag:ChangeOnResource`, `dead-letter:attach-failed`. */
  eventType: string;
  /** When the event happened (ISO-8601), if the event says; used to give brand-new instances time to appear. */
  eventTime?: string;
  /**
   * The event is the instance's launch itself: ActionTrail `RunInstances`/`CreateInstance` that named no
   * `RamRoleName`, or the state `Pending` or `Created` (a restart goes through `Starting`, never `Pending`). Such
   * an instance is attached without reading its role first (cloud-facts ECS-34). Absent for any other event.
   */
  launch?: true;
}
