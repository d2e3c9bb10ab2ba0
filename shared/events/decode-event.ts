import { decodeInto } from './decode-envelope.js';
import { EventDecodeError } from './decode-error.js';
import type { DecodedEvent, DecodeOptions } from './decoded-event.js';
import { MAX_INPUT_BYTES, MAX_POISON_TEXT_CHARS } from './limits.js';
import { parseJsonText } from './parse-json.js';
import { RefSink } from './ref-sink.js';
import { salvageFromText } from './salvage.js';
import { describeType, quote, truncateText } from './text.js';

/**
 * The function's event (a Buffer, as FC hands it over) → instance refs, poison and ignored events. Never throws:
 * input that is not JSON, too large or too deep becomes one poison entry holding the (truncated) raw text and
 * the instance ids in it; in a batch each element is decoded on its own, and in an event each instance
 * reference (a malformed id among good ones is poison alone). Refs are unique by (region, instance) across the
 * whole input.
 */
export function decodeEvent(input: Buffer | string, options: DecodeOptions): DecodedEvent {
  const sink = new RefSink();
  let text: string | undefined;
  try {
    text = readText(input);
    const json = parseJsonText(text, '');
    decodeInto(json, options, sink, '', true);
  } catch (error) {
    const decodeError =
      error instanceof EventDecodeError
        ? error
        : new EventDecodeError(
            'InvalidEvent.Unexpected',
            `the event could not be decoded: ${quote(error instanceof Error ? error.message : String(error), 200)}`,
            '',
            { cause: error },
          );
    sink.addPoison({
      error: decodeError,
      event: text === undefined ? rawHead(input) : truncateText(text, MAX_POISON_TEXT_CHARS),
      // Not JSON (or too deep to parse): the ids in the text are still worth a look.
      instances: text === undefined ? [] : salvageFromText(text),
    });
  }
  return { refs: sink.refs, poison: sink.poison, ignored: sink.ignored };
}

function readText(input: unknown): string {
  if (typeof input === 'string') return input;
  if (!(input instanceof Uint8Array)) {
    throw new EventDecodeError(
      'InvalidEvent.WrongType',
      `the event must be a Buffer or a string, got ${describeType(input)}`,
    );
  }
  if (input.byteLength > MAX_INPUT_BYTES) {
    throw new EventDecodeError(
      'InvalidEvent.TooLarge',
      `the event is ${input.byteLength} bytes, more than the ${MAX_INPUT_BYTES} accepted`,
    );
  }
  return Buffer.from(input.buffer, input.byteOffset, input.byteLength).toString('utf8');
}

/** The start of an input that was never turned into text (too large, or not a Buffer at all). */
function rawHead(input: unknown): string {
  if (input instanceof Uint8Array) {
    const head = Buffer.from(
      input.buffer,
      input.byteOffset,
      Math.min(input.byteLength, MAX_POISON_TEXT_CHARS),
    );
    return truncateText(
      `${head.toString('utf8')}…(truncated, ${input.byteLength} bytes in all)`,
      MAX_POISON_TEXT_CHARS * 2,
    );
  }
  return describeType(input);
}
