/**
 * Types for the subset of `@alicloud/fc2` 2.6.6 (which ships none) that this project uses, from its lib/client.js
 * and observed behaviour (sdk-wire.md §5). The package sets `module.exports = Client`, so a default import is the
 * class itself.
 *
 * - Every request is signed `authorization: FC <id>:<sig>` over `/<version><path>` (docs/cloud-facts.md FC-12).
 *   The project uses it for the FC 2.0 API (2016-08-15) only; FC 3.0 goes through `@alicloud/fc20230330`. Setting
 *   `version` to `'2023-03-30'` reaches FC 3.0 paths with fc2's signature, as the fc3 component does (FC-3).
 * - `data` is a utf8 string, parsed as JSON only when the response content-type starts with application/json.
 * - A non-2xx answer throws a plain Error with `name = 'FC' + ErrorCode + 'Error'` and `code = ErrorCode` (no
 *   status property; the status and request id are in the message, FC-13). A function error (200 with
 *   `x-fc-error-type`) does not throw.
 */
declare module '@alicloud/fc2' {
  namespace FCClient {
    interface ClientConfig {
      /** Capital "ID". */
      accessKeyID: string;
      accessKeySecret: string;
      /** Required, and only sent, when accessKeyID starts with `STS`. */
      securityToken?: string;
      /** Required even with an endpoint. */
      region: string;
      /** `http://127.0.0.1:PORT`; the host header becomes the hostname only. */
      endpoint?: string;
      secure?: boolean;
      internal?: boolean;
      /** Connect and read timeout in ms (default 60000). */
      timeout?: number;
      /** Sent with every request. */
      headers?: Record<string, string>;
    }

    type Headers = Record<string, string | number>;

    interface Response<Data = unknown> {
      /** All response headers, lower-case names. */
      headers: Record<string, string | string[] | undefined>;
      data: Data;
    }

    interface RequestOptions {
      /** Return the body as a Buffer (unless the answer has x-fc-error-type). */
      rawBuf?: boolean;
    }

    /** The error a non-2xx answer throws. */
    interface FCError extends Error {
      code?: string;
    }
  }

  class FCClient {
    constructor(accountId: string, config: FCClient.ClientConfig);
    /** API version prefixed to every path: `'2016-08-15'` by default. */
    version: string;
    readonly endpoint: string;

    /** `POST /services/{svc}[.{qualifier}]/functions/{fn}/invocations`; the event must be a string or Buffer. */
    invokeFunction(
      serviceName: string,
      functionName: string,
      event: string | Buffer,
      headers?: FCClient.Headers,
      qualifier?: string,
      opts?: FCClient.RequestOptions,
    ): Promise<FCClient.Response>;

    /** Signs and sends any request to `${endpoint}/${version}${path}`. A plain-object body is sent as JSON. */
    request(
      method: string,
      path: string,
      query: Record<string, string | string[]> | null | undefined,
      body: string | Buffer | object | null | undefined,
      headers?: FCClient.Headers,
      opts?: FCClient.RequestOptions,
    ): Promise<FCClient.Response>;

    post(
      path: string,
      body: string | Buffer | object | null | undefined,
      headers?: FCClient.Headers,
      queries?: Record<string, string | string[]> | null,
      opts?: FCClient.RequestOptions,
    ): Promise<FCClient.Response>;

    get(
      path: string,
      query?: Record<string, string | string[]> | null,
      headers?: FCClient.Headers,
    ): Promise<FCClient.Response>;

    /** The `authorization` value for a request (what every call sends). */
    static getSignature(
      accessKeyID: string,
      accessKeySecret: string,
      method: string,
      path: string,
      headers: FCClient.Headers,
      queries?: Record<string, string | string[]> | null,
    ): string;
  }

  export = FCClient;
}
