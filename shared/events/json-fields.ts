import { EventDecodeError } from './decode-error.js';
import { describeType, pointer } from './text.js';

/**
 * Reading fields of parsed, untrusted JSON. Only own properties are read (`Object.hasOwn`), so keys such as
 * `__proto__`, `constructor` or `toString` never resolve to something inherited, and nothing here ever writes
 * an event's key into another object.
 */

export type JsonObject = Readonly<Record<string, unknown>>;

export const isJsonObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The own property `key`, or undefined. */
export function field(obj: JsonObject, key: string): unknown {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}

/** Whether `key` is an own property holding something other than null/undefined (JSON null counts as absent). */
export function has(obj: JsonObject, key: string): boolean {
  const value = field(obj, key);
  return value !== undefined && value !== null;
}

/**
 * The own property whose name equals `key` ignoring case (exact spelling preferred): ActionTrail's flattened
 * request parameters are seen with both `Tag.1.Key` and `Tag.1.key` (cloud-facts EV-17), so casing is not
 * trusted there.
 */
export function fieldIgnoringCase(obj: JsonObject, key: string): { key: string; value: unknown } | undefined {
  if (Object.hasOwn(obj, key)) return { key, value: obj[key] };
  const wanted = key.toLowerCase();
  for (const candidate of Object.keys(obj)) {
    if (candidate.toLowerCase() === wanted) return { key: candidate, value: obj[candidate] };
  }
  return undefined;
}

export function wrongType(path: string, expected: string, value: unknown): EventDecodeError {
  return new EventDecodeError(
    'InvalidEvent.WrongType',
    `${path || 'the event'} must be ${expected}, got ${describeType(value)}`,
    path,
    { value },
  );
}

export function missingField(path: string, what: string): EventDecodeError {
  return new EventDecodeError('InvalidEvent.MissingField', `${path} is missing: ${what}`, path);
}

/** A string field; null/absent → undefined; anything else is `InvalidEvent.WrongType`. */
export function optionalString(obj: JsonObject, key: string, path: string): string | undefined {
  const value = field(obj, key);
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw wrongType(pointer(path, key), 'a string', value);
  return value;
}

export function requiredString(obj: JsonObject, key: string, path: string, what: string): string {
  const value = optionalString(obj, key, path);
  if (value === undefined) throw missingField(pointer(path, key), what);
  return value;
}

/** An object field; null/absent → undefined; anything else is `InvalidEvent.WrongType`. */
export function optionalObject(obj: JsonObject, key: string, path: string): JsonObject | undefined {
  const value = field(obj, key);
  if (value === undefined || value === null) return undefined;
  if (!isJsonObject(value)) throw wrongType(pointer(path, key), 'an object', value);
  return value;
}
