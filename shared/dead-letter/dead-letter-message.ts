import { type FcDestinationRecord, readFcDestinationRecord } from '../events/fc-destination.js';
import {
  type DeadLetterRecord,
  formatProblem,
  parseRecord,
  type RecordProblem,
} from './dead-letter-record.js';

/** A message of the dead-letter queue: one of this function's records, an FC onFailure record, or neither. */
export type DeadLetterMessage =
  | { kind: 'record'; record: DeadLetterRecord }
  | { kind: 'fc-failure'; record: FcDestinationRecord }
  | { kind: 'unreadable'; body: string; reason: string };

/**
 * Reads one dead-letter queue message. The queue holds the function's own records (base64 JSON) and, as the
 * async onFailure destination, FC's failure records — JSON text or base64 of it (which one FC sends to MNS is
 * unconfirmed: cloud-facts FT-12), so both encodings are tried. FC's records are read leniently
 * (`shared/events/fc-destination.ts`): a missing or odd field never makes the message unreadable.
 */
export function readDeadLetterMessage(body: string): DeadLetterMessage {
  const parsed = parseJson(body) ?? parseJson(fromBase64(body));
  if (parsed === undefined) return { kind: 'unreadable', body, reason: 'neither JSON nor base64 of JSON' };
  if (isObject(parsed) && 'kind' in parsed && 'version' in parsed) {
    const read = parseRecord(parsed);
    return read.success
      ? { kind: 'record', record: read.record }
      : { kind: 'unreadable', body, reason: `not a valid dead-letter record: ${first(read.problems)}` };
  }
  const fcRecord = readFcDestinationRecord(parsed);
  if (fcRecord !== undefined) return { kind: 'fc-failure', record: fcRecord };
  return { kind: 'unreadable', body, reason: 'JSON of no known record shape' };
}

const first = (problems: readonly RecordProblem[]): string =>
  problems[0] === undefined ? 'invalid' : formatProblem(problems[0]);

function fromBase64(text: string): string | undefined {
  const compact = text.trim();
  if (compact === '' || !/^[A-Za-z0-9+/]+={0,2}$/.test(compact)) return undefined;
  return Buffer.from(compact, 'base64').toString('utf8');
}

function parseJson(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
