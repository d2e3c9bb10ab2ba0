/** Rendering untrusted strings (tag values, YAML input) into messages without letting them grow unbounded. */

/** At most `max` code points (never splits a surrogate pair), with `…` when something was cut. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  const points = Array.from(text);
  return points.length <= max ? text : `${points.slice(0, max).join('')}…`;
}

/** A value as it appears in a message: JSON-quoted (control characters escaped), truncated. */
export const quote = (value: unknown, max = 80): string => {
  if (typeof value === 'string') return JSON.stringify(truncate(value, max));
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return truncate(String(value), max);
};
