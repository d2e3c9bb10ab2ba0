import FCClient from '@alicloud/fc2';
import { describeError } from '../../shared/errors/classify.js';
import type { StaticKeys } from '../../shared/fc/fc-invoker.js';
import type { FunctionInvoker, InvokeResult } from '../../shared/fc/function-invoker.js';

/**
 * `FunctionInvoker` over `@alicloud/fc2` (types: local/types/alicloud-fc2.d.ts) for what that client is made for:
 * the FC 2.0 API, `POST /2016-08-15/services/{service}[.{qualifier}]/functions/{name}/invocations`, signed
 * `FC <id>:<HMAC-SHA256>` (cloud-facts FC-11, FC-12). For a deployment still on FC 2.0; FC 3.0 functions are
 * invoked through `shared/fc/fc-invoker.ts`.
 */
export interface Fc2InvokerOptions {
  /** `http(s)://host[:port]`: fc2 wants the scheme (sdk-wire §5.1). */
  endpoint: string;
  accountId: string;
  region: string;
  credentials: StaticKeys;
  /** The FC 2.0 service the function belongs to. */
  serviceName: string;
  /** A version or alias of the service (`service.qualifier` on the wire). */
  qualifier?: string;
  /** Connect and read timeout per request, ms (fc2's default is 60 s). */
  timeoutMs?: number;
}

export const FC2_API_VERSION = '2016-08-15';

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

  return {
    async invoke(functionName, payload, { async }): Promise<InvokeResult> {
      try {
        const response = await client.invokeFunction(
          options.serviceName,
          functionName,
          payload,
          { 'x-fc-invocation-type': async ? 'Async' : 'Sync' },
          options.qualifier,
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
        // fc2 puts the status and request id only in its message ("… failed with 404. requestid: …"): cloud-facts FC-13.
        const text = error instanceof Error ? error.message : '';
        const status = /failed with (\d{3})\./.exec(text)?.[1];
        const requestId = /requestid: ([^,\s]+),/.exec(text)?.[1];
        const info = describeError(error, status === undefined ? {} : { status: Number(status) });
        return {
          ok: false,
          errorType: info.code,
          ...(info.status === undefined ? {} : { status: info.status }),
          ...(requestId === undefined || requestId === 'undefined' ? {} : { requestId }),
          error: info,
        };
      }
    },
  };
}

function header(headers: FCClient.Response['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}
