import { decodeCloudEvent, isCloudEvent } from './cloud-event.js';
import { decodeCmsEvent, isCmsEvent } from './cms-event.js';
import { decodeDeadLetterRecord, isDeadLetterRecord } from './dead-letter-redrive.js';
import type { DecodeContext } from './decode-context.js';
import { EventDecodeError } from './decode-error.js';
import type { DecodeOptions, IgnoredEvent, PoisonEvent } from './decoded-event.js';
import { decodeFcDestinationRecord, isFcDestinationRecord } from './fc-destination.js';
import { ignoreTimer, isFcTimerEvent } from './fc-timer.js';
import type { InstanceRef } from './instance-ref.js';
import { field, isJsonObject } from './json-fields.js';
import { MAX_BATCH_EVENTS, MAX_REFS_PER_INPUT, MAX_WRAP_DEPTH } from './limits.js';
import { decodeRawData } from './raw-data.js';
import { RefSink } from './ref-sink.js';
import { salvageInstances } from './salvage.js';
import { describeType, isSafeToken, pointer, quote } from './text.js';

/**
 * Parsed JSON → instance refs. One event object, or an array of them (batched delivery), each element decoded on
 * its own: a poison element is recorded and the others still count. Wrapping envelopes (FC onFailure records,
 * MNS messages) hand their payload back here one level deeper.
 */

/**
 * Decodes one parsed event (or batch) and throws the first problem as an EventDecodeError — all or nothing.
 * `decodeEvent` is the entry point for a function's input: it keeps the good elements of a batch.
 */
export function decodeEnvelope(
  json: unknown,
  options: DecodeOptions,
  path = '',
): { refs: InstanceRef[]; ignored: IgnoredEvent[] } {
  const sink = new RefSink();
  decodeInto(json, options, sink, path, false);
  const first = sink.poison[0];
  if (first !== undefined) throw first.error;
  return { refs: sink.refs, ignored: sink.ignored };
}

/**
 * Decodes into `sink`. With `contain` set, an unexpected error (a decoder bug) makes that element poison
 * (`InvalidEvent.Unexpected`) instead of escaping, so one odd event cannot crash-loop the function.
 */
export function decodeInto(
  json: unknown,
  options: DecodeOptions,
  sink: RefSink,
  path: string,
  contain: boolean,
): void {
  decodeInput(json, path, makeContext(options, sink, 0, undefined, contain), contain);
}

function makeContext(
  options: DecodeOptions,
  sink: RefSink,
  wrapDepth: number,
  fallbackEventId: string | undefined,
  contain: boolean,
): DecodeContext {
  return {
    options,
    sink,
    wrapDepth,
    ...(fallbackEventId === undefined ? {} : { fallbackEventId }),
    decodeNested: (value, path, innerFallback) => {
      if (wrapDepth + 1 > MAX_WRAP_DEPTH) {
        throw new EventDecodeError(
          'InvalidEvent.TooDeep',
          `${path}: envelopes wrap one another more than ${MAX_WRAP_DEPTH} levels deep`,
          path,
        );
      }
      decodeInput(value, path, makeContext(options, sink, wrapDepth + 1, innerFallback, contain), contain);
    },
  };
}

function decodeInput(value: unknown, path: string, ctx: DecodeContext, contain: boolean): void {
  if (!Array.isArray(value)) {
    decodeUnit(value, path, ctx, contain);
    return;
  }
  if (value.length === 0) {
    ctx.sink.addIgnored({ reason: `${path || 'the event'} is an empty batch` });
    return;
  }
  const count = Math.min(value.length, MAX_BATCH_EVENTS);
  for (let index = 0; index < count; index++) decodeUnit(value[index], pointer(path, index), ctx, contain);
  if (value.length > MAX_BATCH_EVENTS) {
    const at = pointer(path, MAX_BATCH_EVENTS);
    ctx.sink.addPoison({
      error: new EventDecodeError(
        'InvalidEvent.TooManyEvents',
        `${path || 'the batch'} has ${value.length} elements; only the first ${MAX_BATCH_EVENTS} were decoded`,
        at,
      ),
      event: value.slice(MAX_BATCH_EVENTS),
      instances: salvageInstances(value.slice(MAX_BATCH_EVENTS)),
    });
  }
}

/**
 * One event: decoded (its bad references recorded as poison one by one, refs over the input's budget as one
 * `TooLarge` entry), or rolled back and recorded as poison whole, keeping the instance ids found in it.
 */
function decodeUnit(value: unknown, path: string, ctx: DecodeContext, contain: boolean): void {
  const mark = ctx.sink.mark();
  try {
    decodeOne(value, path, ctx);
  } catch (error) {
    let decodeError: EventDecodeError;
    if (error instanceof EventDecodeError) decodeError = error;
    else if (contain) decodeError = unexpected(error, path);
    else throw error;
    ctx.sink.rollback(mark);
    ctx.sink.addPoison({
      error: decodeError,
      event: value,
      instances: salvageInstances(value),
      ...poisonMeta(value),
    });
    return;
  }
  const overflow = ctx.sink.takeOverflow(mark);
  const first = overflow[0];
  if (first !== undefined) {
    ctx.sink.addPoison({
      error: new EventDecodeError(
        'InvalidEvent.TooLarge',
        `${path || 'the event'} names ${overflow.length} instances beyond the ${MAX_REFS_PER_INPUT} one ` +
          'invocation takes: they are kept in the poison record, for redrive',
        path,
      ),
      instances: overflow.map(({ instanceId, regionId, accountId }) => ({
        instanceId,
        regionId,
        ...(accountId === undefined ? {} : { accountId }),
      })),
      eventId: first.eventId,
      eventType: first.eventType,
    });
  }
}

function decodeOne(value: unknown, path: string, ctx: DecodeContext): void {
  if (Array.isArray(value)) {
    throw new EventDecodeError(
      'InvalidEvent.NestedBatch',
      `${path}: a batch element is itself an array; batches do not nest`,
      path,
    );
  }
  if (!isJsonObject(value)) {
    throw new EventDecodeError(
      'InvalidEvent.UnknownEnvelope',
      `${path || 'the event'} must be an event object or an array of events, got ${describeType(value)}`,
      path,
    );
  }
  // Order matters only for hostile objects that look like several envelopes at once; the most specific first.
  if (isCloudEvent(value)) decodeCloudEvent(value, path, ctx);
  else if (isFcDestinationRecord(value)) decodeFcDestinationRecord(value, path, ctx);
  else if (isDeadLetterRecord(value)) decodeDeadLetterRecord(value, path, ctx);
  else if (isFcTimerEvent(value)) ctx.sink.addIgnored(ignoreTimer(value));
  else if (isCmsEvent(value)) decodeCmsEvent(value, path, ctx);
  else if (!decodeRawData(value, path, ctx)) {
    const keys = Object.keys(value);
    const shown = keys.slice(0, 8).map((key) => quote(key, 32));
    const listed =
      keys.length === 0 ? 'no fields' : `fields ${shown.join(', ')}${keys.length > 8 ? ', ...' : ''}`;
    throw new EventDecodeError(
      'InvalidEvent.UnknownEnvelope',
      `${path || 'the event'} is not a known event envelope (it has ${listed})`,
      path,
    );
  }
}

function unexpected(error: unknown, path: string): EventDecodeError {
  const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return new EventDecodeError(
    'InvalidEvent.Unexpected',
    `${path || 'the event'} could not be decoded: ${quote(detail, 200)}`,
    path,
    { cause: error },
  );
}

/** Best-effort id/type of a poison event, for the dead-letter record (only if safe to copy). */
function poisonMeta(value: unknown): Pick<PoisonEvent, 'eventId' | 'eventType'> {
  if (!isJsonObject(value)) return {};
  const id = field(value, 'id');
  const type = field(value, 'type');
  const product = field(value, 'product');
  const name = field(value, 'name');
  const eventType =
    typeof type === 'string'
      ? type
      : typeof product === 'string' && typeof name === 'string'
        ? `${product}:${name}`
        : undefined;
  return { ...(isSafeToken(id) ? { eventId: id } : {}), ...(isSafeToken(eventType) ? { eventType } : {}) };
}
