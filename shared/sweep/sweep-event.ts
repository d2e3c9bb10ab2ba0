import * as z from 'zod/mini';
import { type SweepContinuation, sweepContinuationSchema } from './sweep-cursor.js';

/** What starts or continues a sweep, read from an invocation's event. */
export type SweepTrigger =
  /** The timer trigger (`s.yaml`), or an explicit request (the `post-deploy` action): a new sweep. */
  | { kind: 'start'; reason: 'timer' | 'request'; triggerName?: string; triggerTime?: string }
  | { kind: 'continue'; continuation: SweepContinuation }
  /** Shaped like our continuation, but not valid: never acted on (logged). */
  | { kind: 'invalid'; reason: string };

/**
 * FC's timer event: `{triggerTime, triggerName, payload}` with the trigger's `payload` as a string
 * (cloud-facts SW-5). The attach function's only timer is the sweep's, so any timer event starts one.
 */
const timerEventSchema = z.lazy(() =>
  z.object({
    triggerTime: z.string(),
    triggerName: z.string(),
    payload: z.optional(z.string()),
  }),
);

/** `{"ram-role-attacher": "sweep"}`: what the post-deploy action (or an operator) invokes the function with. */
export const SWEEP_REQUEST = { 'ram-role-attacher': 'sweep' } as const;

/** The sweep trigger in `event`, or `undefined` when the event is about instances (the event path). */
export function sweepTrigger(event: Buffer | string): SweepTrigger | undefined {
  const text = typeof event === 'string' ? event : event.toString('utf8');
  // Cheap test first: the event path must not pay a JSON parse of a large batch twice.
  if (!text.includes('triggerTime') && !text.includes('ram-role-attacher')) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const obj = value as Record<string, unknown>;
  if (obj.kind === 'ram-role-attacher/sweep-continuation') {
    const parsed = sweepContinuationSchema.safeParse(obj);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return { kind: 'invalid', reason: `${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}` };
    }
    return { kind: 'continue', continuation: parsed.data };
  }
  if (obj['ram-role-attacher'] === SWEEP_REQUEST['ram-role-attacher'])
    return { kind: 'start', reason: 'request' };
  const timer = timerEventSchema.safeParse(obj);
  if (timer.success) {
    return {
      kind: 'start',
      reason: 'timer',
      triggerName: timer.data.triggerName,
      triggerTime: timer.data.triggerTime,
    };
  }
  return undefined;
}
