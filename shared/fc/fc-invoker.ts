import { Readable } from 'node:stream';
import { $OpenApiUtil } from '@alicloud/openapi-core';
import * as $dara from '@darabonba/typescript';
import type { CredentialProvider } from '../credentials/credentials.js';
import { describeError, type ErrorInfo } from '../errors/classify.js';
import { FcSdkClient, InvokeFunctionHeaders, InvokeFunctionRequest } from './fc-sdk-client.js';
import type { FunctionInvoker, InvokeResult } from './function-invoker.js';

export type { FunctionInvoker, InvokeResult } from './function-invoker.js';

/**
 * `FunctionInvoker` over the official FC 3.0 SDK, `@alicloud/fc20230330` (its one operation: `fc-sdk-client.ts`).
 * `InvokeFunction` is `POST /2023-03-30/functions/{name}/invocations` (ROA, ACS3-HMAC-SHA256 over path, query,
 * headers and the body's SHA-256) with `x-fc-invocation-type: Sync|Async` (cloud-facts FC-1, FC-4). A sync answer is 200 with the
 * function's result, or 200 with `x-fc-error-type` when the function failed (FC-5); an async one is 202
 * (FC-6: any 2xx is taken as accepted). FC's refusals are `{Code, Message, RequestId}` with a 4xx/5xx status,
 * which the SDK throws as ClientError / ServerError / ThrottlingError (FC-7).
 */
export interface FcInvokerOptions {
  /**
   * `https://host[:port]`, `http://host[:port]` or a bare `host[:port]` (HTTPS). Default
   * `https://<accountId>.<region>.fc.aliyuncs.com`: the SDK's own default (`fc.aliyuncs.com`) reaches no account
   * (cloud-facts FC-10).
   */
  endpoint?: string;
  region: string;
  accountId: string;
  /** A credentials provider (`@alicloud/credentials`), or plain keys. */
  credential: CredentialProvider | StaticKeys;
  /** Connect and read timeout per request, ms (default 60 000; the SDK's own 3 s would cut sync calls short). */
  timeoutMs?: number;
}

export interface StaticKeys {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
}

export const FC3_API_VERSION = '2023-03-30';

/** The public FC endpoint of an account in a region (cloud-facts FC-10). */
export const fcEndpoint = (accountId: string, region: string): string =>
  `https://${accountId}.${region}.fc.aliyuncs.com`;

/** FC's codes for "try again later" that come with a 4xx status (cloud-facts FC-8). */
const RETRYABLE_FC_CODES = new Set(['ResourceExhausted', 'ResourceThrottled', 'ClientClosedRequest']);

export function createFcInvoker(options: FcInvokerOptions): FunctionInvoker {
  const { host, protocol } = splitEndpoint(options.endpoint ?? fcEndpoint(options.accountId, options.region));
  const timeout = options.timeoutMs ?? 60_000;
  const client = new FcSdkClient(
    new $OpenApiUtil.Config({
      ...credentialConfig(options.credential),
      endpoint: host,
      protocol,
      regionId: options.region,
      connectTimeout: timeout,
      readTimeout: timeout,
    }),
  );

  return {
    async invoke(functionName, payload, { async }): Promise<InvokeResult> {
      let status: number;
      let headers: Record<string, string>;
      let body: Buffer;
      try {
        const response = await client.invokeFunctionWithOptions(
          functionName,
          new InvokeFunctionRequest({ body: Readable.from(payload) }),
          new InvokeFunctionHeaders({ xFcInvocationType: async ? 'Async' : 'Sync', xFcLogType: 'None' }),
          new $dara.RuntimeOptions({}),
        );
        status = response.statusCode ?? 0;
        headers = response.headers ?? {};
        body = response.body === undefined ? Buffer.alloc(0) : await readAll(response.body);
      } catch (error) {
        return refused(fcErrorInfo(error));
      }
      const requestId = headers['x-fc-request-id'];
      const errorType = headers['x-fc-error-type'];
      return {
        ok: status >= 200 && status < 300 && errorType === undefined,
        status,
        ...(errorType === undefined ? {} : { errorType }),
        ...(requestId === undefined ? {} : { requestId }),
        ...(async ? {} : { body: parseBody(body, headers['content-type']) }),
      };
    },
  };
}

function credentialConfig(credential: CredentialProvider | StaticKeys) {
  if ('getCredential' in credential) return { credential };
  const { accessKeyId, accessKeySecret, securityToken } = credential;
  return { accessKeyId, accessKeySecret, ...(securityToken === undefined ? {} : { securityToken }) };
}

function splitEndpoint(endpoint: string): { host: string; protocol: 'http' | 'https' } {
  const match = /^(?:(https?):\/\/)?([A-Za-z0-9.-]+(?::\d{1,5})?)\/?$/.exec(endpoint);
  if (match?.[2] === undefined) {
    throw new RangeError(
      `FC endpoint: expected host[:port] or http(s)://host[:port], got ${JSON.stringify(endpoint)}`,
    );
  }
  return { host: match[2], protocol: match[1] === 'http' ? 'http' : 'https' };
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return Buffer.concat(chunks);
}

function parseBody(body: Buffer, contentType: string | undefined): unknown {
  const text = body.toString('utf8');
  if (contentType?.toLowerCase().startsWith('application/json')) {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}

/** The SDK's error, classed; FC's throttling codes are retryable whatever their status. */
function fcErrorInfo(error: unknown): ErrorInfo {
  const info = describeError(error);
  return RETRYABLE_FC_CODES.has(info.code) ? { ...info, errorClass: 'retryable' } : info;
}

function refused(error: ErrorInfo): InvokeResult {
  return {
    ok: false,
    errorType: error.code,
    ...(error.status === undefined ? {} : { status: error.status }),
    ...(error.requestId === undefined ? {} : { requestId: error.requestId }),
    error,
  };
}
