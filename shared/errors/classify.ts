import { AppError, type ErrorClass } from './app-error.js';

/**
 * The one place that decides whether an error is worth retrying (design: "Error classes"). Everything that can
 * fail — an SDK exception, a per-instance result code inside an HTTP 200, a socket error — is described here
 * as an `ErrorInfo`, so the retry loop and the dead-letter records speak one language.
 */
export interface ErrorInfo {
  code: string;
  message: string;
  errorClass: ErrorClass;
  /** HTTP status when the service answered. */
  status?: number;
  requestId?: string;
  /** The service asked us to wait this long (ECS `x-acs-retry-after`, surfaced by the SDK as `retryAfter`). */
  retryAfterMs?: number;
  /**
   * The request may have been carried out even though we saw an error (timeout, reset, 5xx): before writing
   * again, re-read the state instead of assuming nothing happened.
   */
  uncertain: boolean;
}

export interface ClassifyContext {
  status?: number;
  /**
   * The instance was named by a creation event a short while ago: ECS is eventually consistent, so "not found"
   * may only mean "not visible yet".
   */
  instanceIsNew?: boolean;
}

/**
 * Codes that are retryable by name, whatever the status (cloud-facts ECS-21, ECS-23). Prefix match when the entry
 * ends with `*`.
 */
const RETRYABLE_CODES = [
  'Throttling*',
  'Rejected.Throttling',
  'ServiceUnavailable',
  'InternalError',
  'UnknownError',
  'IncorrectInstanceStatus*',
  'OperationConflict',
  'LastTokenProcessing',
  // Produced by `describeError` for failures below HTTP:
  'RequestTimeout',
  'NetworkError',
  'BadResponse',
  // A batch answer that did not mention an item: re-read before writing again.
  'NoResult',
] as const;

/**
 * Documented codes that describe a state no retry or re-read changes (a missing or untrusting role, no PassRole,
 * classic network, malformed ids, no permission): permanent even when the service sent them with a 5xx status
 * (cloud-facts ECS-13, ECS-15, ECS-20).
 */
const PERMANENT_CODES = [
  'InvalidRamRole.NotFound',
  'InvalidRamRole.NotEcsRole',
  'InvalidUser.PassRoleForbidden',
  'InvalidNetworkType.MismatchRamRole',
  'Forbidden.RAM',
  'InvalidInstanceIds.Malformed',
] as const;

/**
 * Whether a write failure with this code is one the documentation explains (ECS-13, ECS-15), so re-reading the
 * instance's role could not change what to do. Any other code may hide an undocumented cause — "the instance
 * already has a role" has no documented code (ECS-16) — so the caller re-reads the role and decides from that.
 */
export function isDocumentedPermanent(code: string): boolean {
  return code === 'InvalidInstanceId.NotFound' || matches(code, PERMANENT_CODES);
}

const NETWORK_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
]);

function matches(code: string, table: readonly string[]): boolean {
  return table.some((entry) => (entry.endsWith('*') ? code.startsWith(entry.slice(0, -1)) : code === entry));
}

/**
 * Throttling is retried until the deadline rather than for a fixed number of attempts: ECS lifts it within a
 * minute (cloud-facts ECS-22), and a burst that gave up early would dead-letter instances that only had to wait.
 */
export function retriesUntilDeadline(code: string): boolean {
  return code.startsWith('Throttling') || code === 'Rejected.Throttling';
}

/** Classifies an error code (request-level or per-instance). */
export function classifyCode(code: string, context: ClassifyContext = {}): ErrorClass {
  if (code === 'InvalidInstanceId.NotFound') return context.instanceIsNew ? 'retryable' : 'permanent';
  if (matches(code, PERMANENT_CODES)) return 'permanent';
  if (matches(code, RETRYABLE_CODES)) return 'retryable';
  if (context.status !== undefined && context.status >= 500) return 'retryable';
  return 'permanent';
}

/** Codes for which the service may have acted even though the call failed. */
function isUncertain(code: string, status: number | undefined): boolean {
  if (code === 'RequestTimeout' || code === 'BadResponse' || code === 'NoResult') return true;
  if (code === 'NetworkError') return false; // refined by the caller-specific errno below
  return status !== undefined && status >= 500;
}

/** What the SDKs' errors may carry (they are not ours, so their fields are read by shape). */
interface SdkErrorShape {
  name?: unknown;
  code?: unknown;
  statusCode?: unknown;
  requestId?: unknown;
  retryAfter?: unknown;
  message?: unknown;
  data?: unknown;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/**
 * Describes anything thrown by the SDKs (`@alicloud/openapi-core` ClientError / ServerError / ThrottlingError,
 * httpx timeouts, socket errors, `SyntaxError` from a non-JSON error body, `@alicloud/mns` `MNS<Code>Error`),
 * or by this project (`AppError`).
 */
export function describeError(error: unknown, context: ClassifyContext = {}): ErrorInfo {
  if (error instanceof AppError) {
    // The project's own errors carry their class, status and retry-after as fields: nothing to guess.
    const info: ErrorInfo = {
      code: error.code,
      message: error.message,
      errorClass: error.errorClass,
      uncertain: false,
    };
    if (error.status !== undefined) info.status = error.status;
    if (error.retryAfterMs !== undefined) info.retryAfterMs = error.retryAfterMs;
    return info;
  }
  const e: SdkErrorShape = typeof error === 'object' && error !== null ? (error as SdkErrorShape) : {};
  const message = str(e.message) ?? String(error);
  const name = str(e.name) ?? '';
  const status = num(e.statusCode) ?? context.status;
  const requestId = str(e.requestId);

  let code: string;
  let uncertain: boolean | undefined;
  if (name === 'RequestTimeoutError') {
    // httpx reports the socket-idle timer as "ConnectTimeout" even after the request was sent.
    code = 'RequestTimeout';
  } else if (typeof e.code === 'string' && NETWORK_ERROR_CODES.has(e.code)) {
    code = 'NetworkError';
    // Refused or unresolvable: the request never reached the service. A reset may have been mid-request.
    uncertain = e.code === 'ECONNRESET' || e.code === 'EPIPE' || e.code === 'UND_ERR_SOCKET';
  } else if (error instanceof SyntaxError) {
    // The SDK JSON-parses error bodies; an HTML page from a gateway (502/503) surfaces as SyntaxError.
    code = 'BadResponse';
  } else if (/^MNS.+Error$/.test(name)) {
    code = name.slice(3, -5);
  } else if (str(e.code) !== undefined) {
    code = str(e.code) as string;
  } else {
    code = 'UnknownError';
  }

  const info: ErrorInfo = {
    code,
    message,
    errorClass: classifyCode(code, { ...context, ...(status === undefined ? {} : { status }) }),
    uncertain: uncertain ?? isUncertain(code, status),
  };
  if (status !== undefined) info.status = status;
  if (requestId !== undefined) info.requestId = requestId;
  const retryAfter = num(e.retryAfter);
  if (retryAfter !== undefined && retryAfter >= 0) info.retryAfterMs = retryAfter;
  return info;
}
