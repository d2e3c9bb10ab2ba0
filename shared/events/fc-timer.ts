import type { IgnoredEvent } from './decoded-event.js';
import { field, has, type JsonObject } from './json-fields.js';
import { quote } from './text.js';

/**
 * FC timer trigger events (`{triggerTime, triggerName, payload}`) are ignored here: a timer names no instance,
 * and the scheduled sweep that repairs missed events is a separate job (it lists instances itself, it does not
 * decode them from an event). Reporting it as ignored, not poison, keeps a timer wired to this function harmless.
 */

export const isFcTimerEvent = (obj: JsonObject): boolean =>
  has(obj, 'triggerTime') && has(obj, 'triggerName');

export function ignoreTimer(event: JsonObject): IgnoredEvent {
  const name = field(event, 'triggerName');
  const trigger = typeof name === 'string' ? ` ${quote(name, 64)}` : '';
  return {
    eventType: 'fc:Timer',
    reason: `FC timer trigger${trigger}: names no instance (the scheduled sweep is not driven by decoded events)`,
  };
}
