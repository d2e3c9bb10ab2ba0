import * as z from 'zod/mini';
import { once } from '../collections/once.js';
import { isAccountId, isInstanceId, isRegionId } from '../ecs/ids.js';
import type { ErrorClass } from '../errors/app-error.js';
import { describeType, isSafeToken } from '../events/text.js';

/**
 * The dead-letter record: one schema, the type inferred from it. Every writer builds records of this type (the
 * ledger's per-instance records, `poison-records.ts` for events that could not be decoded) and every reader
 * parses with it (`dead-letter-message.ts` for the alert function and redrive, `events/dead-letter-redrive.ts`
 * when a record is fed back to the function). The kinds are listed here and nowhere else.
 */

/** Kinds about one instance: the record names it, and redrive re-checks it. */
export const INSTANCE_KINDS = ['attach-failed', 'replace-failed', 'deadline', 'conflict'] as const;
export const DEAD_LETTER_KINDS = [...INSTANCE_KINDS, 'poison'] as const;

export type InstanceKind = (typeof INSTANCE_KINDS)[number];
export type DeadLetterKind = (typeof DEAD_LETTER_KINDS)[number];

export const isDeadLetterKind = (value: string): value is DeadLetterKind =>
  (DEAD_LETTER_KINDS as readonly string[]).includes(value);

/**
 * The schemas are built on first use, not when the module loads: building zod schemas is most of what loading a
 * module of them costs, and an invocation that fails nothing never writes or reads a record (BENCHMARKS.md).
 */
const fields = once(() => {
  const instanceId = z.string().check(z.refine(isInstanceId, 'not a valid ECS instance id'));
  const regionId = z.string().check(z.refine(isRegionId, 'not a valid region id'));
  const accountId = z.string().check(z.refine(isAccountId, 'not a valid account id'));
  /** Ids and types are copied into logs and alerts: printable ASCII only (what the decoder lets through). */
  const token = z.string().check(z.refine(isSafeToken, 'not printable ASCII of at most 256 characters'));
  const errorClass: z.ZodMiniType<ErrorClass> = z.enum(['retryable', 'permanent']);
  const common = {
    version: z.literal(1),
    /** When the record was written (ISO-8601). */
    at: z.string(),
    accountId: z.optional(accountId),
    regionId: z.optional(regionId),
    error: z.object({
      code: z.string(),
      message: z.string(),
      class: errorClass,
      requestId: z.optional(z.string()),
      /** `account`: the account's credentials failed (AssumeRole), not the instance: alerted once per account. */
      scope: z.optional(z.literal('account')),
    }),
    attempts: z.number().check(z.int(), z.gte(0, 'must be 0 or more')),
    source: z.object({
      eventId: z.optional(token),
      eventType: z.optional(token),
      fcRequestId: z.string(),
    }),
  };
  return { instanceId, common };
});

export const instanceRecordSchema = z.lazy(() =>
  z.object({
    kind: z.enum(INSTANCE_KINDS),
    ...fields().common,
    instanceId: fields().instanceId,
    desiredRole: z.optional(z.nullable(z.string())),
    currentRole: z.optional(z.nullable(z.string())),
    /** `replace-failed` only: the role that was detached before the attach failed. */
    previousRole: z.optional(z.string()),
    rule: z.optional(z.string()),
  }),
);

export const poisonRecordSchema = z.lazy(() =>
  z.object({
    kind: z.literal('poison'),
    ...fields().common,
    /** JSON pointer of the offending field in the event (`/data/referencedResources/ACS::ECS::Instance/3`). */
    path: z.optional(z.string()),
    /** The offending value as text, truncated. */
    value: z.optional(z.string()),
    /** The event that could not be decoded, as it came (JSON, or the raw text), or `{truncated, originalBytes, head}`. */
    event: z.optional(z.unknown()),
    /**
     * Valid instance ids the event names, in this record's region and account: redrive re-checks them, so an
     * undecodable event loses no instance. A long list is split over several records (`part`).
     */
    instanceIds: z.optional(z.array(fields().instanceId)),
    /** This record's place among the records one poison event was split into ("part 2 of 6"). */
    part: z.optional(
      z.object({ index: z.number().check(z.int(), z.gte(1)), count: z.number().check(z.int(), z.gte(1)) }),
    ),
  }),
);

export const deadLetterRecordSchema = z.lazy(() =>
  z.discriminatedUnion('kind', [instanceRecordSchema, poisonRecordSchema]),
);

export type DeadLetterRecord = z.infer<typeof deadLetterRecordSchema>;
export type InstanceRecord = z.infer<typeof instanceRecordSchema>;
export type PoisonRecord = z.infer<typeof poisonRecordSchema>;

/** The instances a record names: its one instance, or the ids a poison record kept (none for most). */
export const recordInstanceIds = (record: DeadLetterRecord): readonly string[] =>
  record.kind === 'poison' ? (record.instanceIds ?? []) : [record.instanceId];

/** One problem of a value that is not a valid record, for a reader to report in its own terms. */
export interface RecordProblem {
  /** Where, as zod gives it: `['source', 'eventId']`, `['instanceIds', 3]`. */
  path: readonly PropertyKey[];
  /** `missing`: a required field is absent; `type`: wrong JSON type; `format`: a string of the wrong form; `value`: not an allowed value. */
  problem: 'missing' | 'type' | 'format' | 'value';
  /** `is missing`, `must be string, got number`, `not a valid ECS instance id`… */
  message: string;
}

/** Parses a record; on failure, the problems in the record's terms (zod/mini carries no messages of its own). */
export function parseRecord(
  value: unknown,
): { success: true; record: DeadLetterRecord } | { success: false; problems: RecordProblem[] } {
  const parsed = deadLetterRecordSchema.safeParse(value);
  if (parsed.success) return { success: true, record: parsed.data };
  return { success: false, problems: schemaProblems(parsed.error, value) };
}

/** Zod's issues for `value` as RecordProblems. */
export function schemaProblems(error: z.core.$ZodError, value: unknown): RecordProblem[] {
  return error.issues.map((issue) => describeIssue(issue, value));
}

/** `source.eventId: not printable ASCII…`, for a one-line reason. */
export function formatProblem(problem: RecordProblem): string {
  const at = problem.path.length === 0 ? 'the record' : problem.path.map(String).join('.');
  return `${at} ${problem.problem === 'format' ? 'is ' : ''}${problem.message}`;
}

function describeIssue(issue: z.core.$ZodIssue, root: unknown): RecordProblem {
  const { path } = issue;
  const value = valueAt(root, path);
  switch (issue.code) {
    case 'invalid_type':
      return value === undefined
        ? { path, problem: 'missing', message: 'is missing' }
        : { path, problem: 'type', message: `must be ${issue.expected}, got ${describeType(value)}` };
    case 'custom':
      return { path, problem: 'format', message: issue.message };
    case 'invalid_value':
      return {
        path,
        problem: 'value',
        message: `must be ${issue.values.map((v) => JSON.stringify(v)).join(' or ')}`,
      };
    case 'invalid_union':
      return { path, problem: 'value', message: `must be one of ${DEAD_LETTER_KINDS.join(', ')}` };
    default:
      return { path, problem: 'value', message: issue.message };
  }
}

/** The value at a zod path, reading own properties only. */
function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let node = root;
  for (const key of path) {
    if (typeof node !== 'object' || node === null || typeof key === 'symbol') return undefined;
    if (!Object.hasOwn(node, key)) return undefined;
    node = Reflect.get(node, key);
  }
  return node;
}

/** MNS takes at most 64 KB per message (cloud-facts MNS-7); the body is base64, which grows by 4/3. */
export const MAX_MESSAGE_BYTES = 64 * 1024;
/** The most JSON one record may take before base64. */
export const MAX_RECORD_JSON_BYTES = Math.floor((MAX_MESSAGE_BYTES * 3) / 4) - 16;
const MAX_ERROR_MESSAGE_CHARS = 2_000;
const MAX_PATH_CHARS = 1_000;
const MAX_VALUE_CHARS = 256;

/** The record with its free-text fields cut to their bounds (the event is left to `encodeRecord`). */
export function boundRecord<R extends DeadLetterRecord>(record: R): R {
  const bounded = {
    ...record,
    error: { ...record.error, message: truncate(record.error.message, MAX_ERROR_MESSAGE_CHARS) },
  };
  if (bounded.kind === 'poison') {
    if (bounded.path !== undefined) bounded.path = truncate(bounded.path, MAX_PATH_CHARS);
    if (bounded.value !== undefined) bounded.value = truncate(bounded.value, MAX_VALUE_CHARS);
  }
  return bounded;
}

/** UTF-8 bytes of a record's JSON. */
export const jsonBytes = (record: DeadLetterRecord): number => Buffer.byteLength(JSON.stringify(record));

/**
 * Serialises a record as the MNS message body: base64 of its JSON (MNS rejects some characters in raw bodies).
 * Free text is cut to its bounds, and a poison event too big to keep whole is replaced by its first characters
 * and its original size. Instance ids are never cut: `poisonRecords` splits a long list over several records, so
 * a record that still does not fit is a bug, and is thrown rather than sent cut.
 */
export function encodeRecord(record: DeadLetterRecord): string {
  const bounded = boundRecord(record);
  let json = JSON.stringify(bounded);
  if (
    Buffer.byteLength(json) > MAX_RECORD_JSON_BYTES &&
    bounded.kind === 'poison' &&
    bounded.event !== undefined
  ) {
    const eventText =
      typeof bounded.event === 'string' ? bounded.event : (JSON.stringify(bounded.event) ?? '');
    const overhead = jsonBytes({ ...bounded, event: undefined }) + 200;
    // JSON-escaping can grow text up to 6× (\uXXXX); keep a conservative head.
    const keep = Math.max(0, Math.floor((MAX_RECORD_JSON_BYTES - overhead) / 6));
    json = JSON.stringify({
      ...bounded,
      event: {
        truncated: true,
        originalBytes: Buffer.byteLength(eventText),
        head: truncate(eventText, keep),
      },
    });
  }
  const bytes = Buffer.byteLength(json);
  if (bytes > MAX_RECORD_JSON_BYTES) {
    throw new Error(
      `a ${bounded.kind} dead-letter record takes ${bytes} bytes of JSON, more than the ${MAX_RECORD_JSON_BYTES} ` +
        'one MNS message holds (build poison records with poisonRecords, which splits them)',
    );
  }
  return Buffer.from(json, 'utf8').toString('base64');
}

/** The JSON inside a message body, unchecked (`readDeadLetterMessage` is the checked reader). */
export function decodeRecordBody(body: string): unknown {
  return JSON.parse(Buffer.from(body, 'base64').toString('utf8'));
}

function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  // Do not cut a surrogate pair in half.
  let end = max;
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}…`;
}
