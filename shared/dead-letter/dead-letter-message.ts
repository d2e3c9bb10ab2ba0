import type { DeadLetterRecord } from './dead-letter-record.js';

/** What FC writes to an async `onFailure` destination (alibaba-cloud.md §1.1); the fields read from it. */
export interface FcFailureRecord {
  timestamp: number;
  requestContext: {
    requestId: string;
    functionArn: string;
    condition: string;
    approximateInvokeCount: number;
  };
  requestPayload: string;
  responseContext: { statusCode: number; functionError: string };
  responsePayload: string;
}

/** A message of the dead-letter queue: one of this function's records, an FC onFailure record, or neither. */
export type DeadLetterMessage =
  | { kind: 'record'; record: DeadLetterRecord }
  | { kind: 'fc-failure'; record: FcFailureRecord }
  | { kind: 'unreadable'; body: string; reason: string };

/**
 * Reads one dead-letter queue message. The queue holds the function's own records (base64 JSON) and, as the
 * async onFailure destination, FC's failure records — JSON text or base64 of it (which one FC sends to MNS is
 * unconfirmed), so both encodings are tried.
 */
export function readDeadLetterMessage(body: string): DeadLetterMessage {
  const parsed = parseJson(body) ?? parseJson(fromBase64(body));
  if (parsed === undefined) return { kind: 'unreadable', body, reason: 'neither JSON nor base64 of JSON' };
  if (isObject(parsed) && parsed.version === 1 && typeof parsed.kind === 'string' && isObject(parsed.error)) {
    return { kind: 'record', record: parsed as unknown as DeadLetterRecord };
  }
  if (isObject(parsed) && isObject(parsed.requestContext) && typeof parsed.requestPayload === 'string') {
    return { kind: 'fc-failure', record: parsed as unknown as FcFailureRecord };
  }
  return { kind: 'unreadable', body, reason: 'JSON of no known record shape' };
}

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
