import * as z from 'zod/mini';
import {
  type DeadLetterRecord,
  formatProblem,
  parseRecord,
  type RecordProblem,
  schemaProblems,
} from './dead-letter-record.js';

/**
 * What FC writes to an async `onFailure` destination (alibaba-cloud.md §1.1, from Alibaba's sample repositories,
 * not a documented schema): only `requestPayload` (the lost event) and `requestContext` are relied on; the other
 * fields may be missing.
 */
export const fcFailureRecordSchema = z.object({
  timestamp: z.optional(z.number()),
  requestContext: z.object({
    requestId: z.optional(z.string()),
    functionArn: z.optional(z.string()),
    condition: z.optional(z.string()),
    approximateInvokeCount: z.optional(z.number()),
  }),
  requestPayload: z.string(),
  responseContext: z.optional(
    z.object({ statusCode: z.optional(z.number()), functionError: z.optional(z.string()) }),
  ),
  responsePayload: z.optional(z.string()),
});

export type FcFailureRecord = z.infer<typeof fcFailureRecordSchema>;

/** A message of the dead-letter queue: one of this function's records, an FC onFailure record, or neither. */
export type DeadLetterMessage =
  | { kind: 'record'; record: DeadLetterRecord }
  | { kind: 'fc-failure'; record: FcFailureRecord }
  | { kind: 'unreadable'; body: string; reason: string };

/**
 * Reads one dead-letter queue message. The queue holds the function's own records (base64 JSON) and, as the
 * async onFailure destination, FC's failure records — JSON text or base64 of it (which one FC sends to MNS is
 * unconfirmed), so both encodings are tried. Each is checked against its schema: a message that looks like a
 * record but is not a valid one is `unreadable`, with the first problem as the reason.
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
  if (isObject(parsed) && 'requestContext' in parsed && 'requestPayload' in parsed) {
    const record = fcFailureRecordSchema.safeParse(parsed);
    return record.success
      ? { kind: 'fc-failure', record: record.data }
      : {
          kind: 'unreadable',
          body,
          reason: `not a valid FC failure record: ${first(schemaProblems(record.error, parsed))}`,
        };
  }
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
