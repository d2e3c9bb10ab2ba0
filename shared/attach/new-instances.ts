import type { InstanceRef } from '../events/instance-ref.js';
import type { RunContext } from './run-context.js';

/**
 * When a creation event's instance was created, for references from creation events: the event's time, never
 * later than the invocation's clock. An event dated in the future (a skewed clock, a forged event) is taken as
 * dated now, so it buys no more waiting than a fresh one. No time, or one that does not parse: now.
 */
export function createdAt(ctx: RunContext, ref: InstanceRef): number | undefined {
  if (ref.reason !== 'created') return undefined;
  const now = ctx.now();
  const at = ref.eventTime === undefined ? Number.NaN : Date.parse(ref.eventTime);
  return Number.isNaN(at) ? now : Math.min(at, now);
}

/**
 * The brand-new instances among `refs` (named by a creation event young enough that ECS may not list them yet),
 * with when each one's grace ends. Computed once, when the run first reads them: the read waits for them until
 * then, and the writes take their "not found" as not yet visible until then.
 */
export function newInstances(ctx: RunContext, refs: readonly InstanceRef[]): Map<string, number> {
  const graceEnds = new Map<string, number>();
  for (const ref of refs) {
    const at = createdAt(ctx, ref);
    if (at !== undefined && at + ctx.newInstanceGraceMs > ctx.now())
      graceEnds.set(ref.instanceId, at + ctx.newInstanceGraceMs);
  }
  return graceEnds;
}

/** Whether `instanceId`'s grace (from `newInstances`) has not ended by `now`. */
export const isNew = (graceEnds: ReadonlyMap<string, number>, instanceId: string, now: number): boolean =>
  (graceEnds.get(instanceId) ?? Number.NEGATIVE_INFINITY) > now;
