import FCClient from '@alicloud/fc2';
import type { FunctionInvoker, InvokeResult } from './function-invoker.js';

export type { FunctionInvoker, InvokeResult } from './function-invoker.js';

/**
 * `FunctionInvoker` over `@alicloud/fc2` (types: local/types/alicloud-fc2.d.ts), speaking FC 3.0: the client's
 * generic `post` signs any path, so with `version = '2023-03-30'` it calls
 * `POST /2023-03-30/functions/{name}/invocations` (what the fc3 Serverless Devs component does; reference §2.1),
 * with `x-fc-invocation-type: Async|Sync`. A non-2xx answer throws (`code` = FC's ErrorCode); a function error is a
 * 200 with `x-fc-error-type`.
 */
export interface Fc2InvokerOptions {
  /** `http://127.0.0.1:PORT` of the FC emulator. */
  endpoint: string;
  accountId: string;
  region: string;
  credentials: { accessKeyId: string; accessKeySecret: string; securityToken?: string };
  /** Per request; fc2's default is 60 s. */
  timeoutMs?: number;
}

export const FC_API_VERSION = '2023-03-30';

export function createFc2Invoker(options: Fc2InvokerOptions): FunctionInvoker {
  const { accessKeyId, accessKeySecret, securityToken } = options.credentials;
  const client = new FCClient(options.accountId, {
    accessKeyID: accessKeyId,
    accessKeySecret,
    ...(securityToken === undefined ? {} : { securityToken }),
    region: options.region,
    endpoint: options.endpoint,
    ...(options.timeoutMs === undefined ? {} : { timeout: options.timeoutMs }),
  });
  client.version = FC_API_VERSION;

  return {
    async invoke(functionName, payload, { async }): Promise<InvokeResult> {
      try {
        const response = await client.post(
          `/functions/${encodeURIComponent(functionName)}/invocations`,
          payload,
          { 'x-fc-invocation-type': async ? 'Async' : 'Sync' },
        );
        const requestId = header(response.headers, 'x-fc-request-id');
        const errorType = header(response.headers, 'x-fc-error-type');
        return {
          ok: errorType === undefined,
          ...(errorType === undefined ? {} : { errorType }),
          ...(requestId === undefined ? {} : { requestId }),
          ...(async ? {} : { body: response.data }),
        };
      } catch (error) {
        return { ok: false, errorType: errorName(error) };
      }
    },
  };
}

function header(headers: FCClient.Response['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function errorName(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as Error & { code?: unknown }).code;
    return typeof code === 'string' && code !== '' ? code : error.name;
  }
  return 'UnknownError';
}
