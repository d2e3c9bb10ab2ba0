/**
 * An event invocation as FC 3.0 delivers it to a custom runtime's HTTP server (`POST /invoke`, cloud-facts CR-3,
 * CR-4), turned into the `context` the handler gets on the built-in runtime, and its outcome turned into the
 * answer FC reads (CR-5). Pure: headers in, data out.
 */
import type { FcContext } from './fc-context.js';

/** Node's `IncomingHttpHeaders`: names lower-cased, a repeated header as an array. */
export type RequestHeaders = Readonly<Record<string, string | string[] | undefined>>;

/** The value of one header, or undefined when absent or empty (FC sends empty ones for what does not apply). */
function header(headers: RequestHeaders, name: string): string | undefined {
  const raw = headers[name];
  const value = (Array.isArray(raw) ? raw[0] : raw)?.trim();
  return value === undefined || value === '' ? undefined : value;
}

/** A whole number of the header, if it is one (digits only; FC sends `120`, `512`). */
function wholeNumber(headers: RequestHeaders, name: string): number | undefined {
  const value = header(headers, name);
  if (value === undefined || !/^\d{1,9}$/.test(value)) return undefined;
  const n = Number(value);
  return n > 0 ? n : undefined;
}

/** What a request on the custom runtime's port is, by FC's `x-fc-control-path` (CR-3). */
export type ControlPath = 'invoke' | 'initialize' | 'other';

export function controlPath(
  method: string | undefined,
  url: string | undefined,
  headers: RequestHeaders,
): ControlPath {
  const path = header(headers, 'x-fc-control-path') ?? url?.split('?')[0];
  if (method !== 'POST') return 'other';
  if (path === '/invoke') return 'invoke';
  if (path === '/initialize') return 'initialize';
  return 'other';
}

export interface ContextDefaults {
  /**
   * The function's timeout when the request does not carry `x-fc-function-timeout` (not in FC's header table,
   * only seen on the wire: CR-4), so that the handler never plans with the built-in 3 s default by mistake.
   */
  timeoutSeconds?: number;
  /** FC_FUNCTION_NAME, FC_REGION, FC_ACCOUNT_ID of the instance, for headers that are absent. */
  functionName?: string;
  region?: string;
  accountId?: string;
}

/**
 * The context of one invocation from FC's common request headers (CR-4): the request id (a fresh one when absent,
 * so that logs and dead-letter records still tell invocations apart), the function role's temporary keys, and the
 * function, region and account. A key pair that is incomplete is left out: the handler then takes the
 * instance's keys from the environment, as on the built-in runtime.
 */
export function contextFromHeaders(
  headers: RequestHeaders,
  defaults: ContextDefaults = {},
  newRequestId: () => string = () => crypto.randomUUID(),
): FcContext {
  const accessKeyId = header(headers, 'x-fc-access-key-id');
  const accessKeySecret = header(headers, 'x-fc-access-key-secret');
  const securityToken = header(headers, 'x-fc-security-token');
  const name = header(headers, 'x-fc-function-name') ?? defaults.functionName;
  const handler = header(headers, 'x-fc-function-handler');
  const memory = wholeNumber(headers, 'x-fc-function-memory');
  const timeout = wholeNumber(headers, 'x-fc-function-timeout') ?? defaults.timeoutSeconds;
  const region = header(headers, 'x-fc-region') ?? defaults.region;
  const accountId = header(headers, 'x-fc-account-id') ?? defaults.accountId;
  return {
    requestId: header(headers, 'x-fc-request-id') ?? newRequestId(),
    ...(accessKeyId !== undefined && accessKeySecret !== undefined
      ? {
          credentials: {
            accessKeyId,
            accessKeySecret,
            ...(securityToken === undefined ? {} : { securityToken }),
          },
        }
      : {}),
    function: {
      ...(name === undefined ? {} : { name }),
      ...(handler === undefined ? {} : { handler }),
      ...(memory === undefined ? {} : { memory }),
      ...(timeout === undefined ? {} : { timeout }),
    },
    ...(region === undefined ? {} : { region }),
    ...(accountId === undefined ? {} : { accountId }),
  };
}

/** What the server answers FC for one invocation. */
export interface EventAnswer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/**
 * A handler's result as FC's built-in Node.js runtime encodes it: a Buffer as is, an object as JSON, anything
 * else as text, nothing as an empty body; `x-fc-status: 200` says the function succeeded (CR-5).
 */
export function successAnswer(value: unknown): EventAnswer {
  const ok = (body: Buffer, contentType?: string): EventAnswer => ({
    status: 200,
    headers: { 'x-fc-status': '200', ...(contentType === undefined ? {} : { 'content-type': contentType }) },
    body,
  });
  if (value === undefined || value === null) return ok(Buffer.alloc(0));
  if (value instanceof Uint8Array) return ok(Buffer.from(value), 'application/octet-stream');
  if (typeof value === 'object') return ok(Buffer.from(JSON.stringify(value), 'utf8'), 'application/json');
  return ok(Buffer.from(String(value), 'utf8'), 'text/plain; charset=utf-8');
}

/**
 * A failed invocation: status 404 with `x-fc-status: 404`, FC's documented "failed" (CR-5), so that FC counts it
 * as a function error and its async retries and `onFailure` destination hold the event. The body is the built-in
 * runtime's error shape, `{errorMessage, errorType, stackTrace}`; the message is the error's own, which the
 * handler's errors never fill with credentials.
 */
export function failureAnswer(error: unknown): EventAnswer {
  const described =
    error instanceof Error
      ? {
          errorMessage: error.message,
          errorType: error.name || 'Error',
          stackTrace: (error.stack ?? '')
            .split('\n')
            .slice(1)
            .map((line) => line.trim())
            .filter((line) => line.startsWith('at ')),
        }
      : { errorMessage: String(error), errorType: 'Error', stackTrace: [] };
  return {
    status: 404,
    headers: { 'x-fc-status': '404', 'content-type': 'application/json' },
    body: Buffer.from(JSON.stringify(described), 'utf8'),
  };
}
