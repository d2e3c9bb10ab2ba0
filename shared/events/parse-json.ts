import { EventDecodeError } from './decode-error.js';
import { MAX_INPUT_BYTES, MAX_JSON_DEPTH } from './limits.js';
import { quote } from './text.js';

/**
 * Text → JSON for untrusted input: a UTF-8 BOM and surrounding whitespace are fine; size and nesting are bounded
 * so later steps (and whoever serialises a poison record) never meet a structure that overflows the stack.
 */
export function parseJsonText(text: string, path: string): unknown {
  if (text.length > MAX_INPUT_BYTES) {
    throw new EventDecodeError(
      'InvalidEvent.TooLarge',
      `${path || 'the event'} is ${text.length} characters, more than the ${MAX_INPUT_BYTES} accepted`,
      path,
    );
  }
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (error) {
    // V8's message quotes a snippet of the input: quote() keeps it printable and short.
    const detail = error instanceof Error ? quote(error.message, 120) : 'unparseable';
    throw new EventDecodeError('InvalidEvent.NotJson', `${path || 'the event'} is not JSON: ${detail}`, path);
  }
  if (exceedsDepth(value, MAX_JSON_DEPTH)) {
    throw new EventDecodeError(
      'InvalidEvent.TooDeep',
      `${path || 'the event'} nests JSON more than ${MAX_JSON_DEPTH} levels deep`,
      path,
    );
  }
  return value;
}

/** Whether arrays/objects nest deeper than `max` (iterative: a nesting bomb must not overflow the stack here). */
export function exceedsDepth(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const [node, depth] = next;
    if (typeof node !== 'object' || node === null) continue;
    if (depth > max) return true;
    const children = Array.isArray(node) ? node : Object.values(node);
    for (const child of children) {
      if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
    }
  }
  return false;
}
