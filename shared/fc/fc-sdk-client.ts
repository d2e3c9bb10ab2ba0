import { Readable } from 'node:stream';
import type { InvokeFunctionHeaders } from '@alicloud/fc20230330/dist/models/InvokeFunctionHeaders.js';
import type { InvokeFunctionRequest } from '@alicloud/fc20230330/dist/models/InvokeFunctionRequest.js';
import { InvokeFunctionResponse } from '@alicloud/fc20230330/dist/models/InvokeFunctionResponse.js';
import OpenApi, { $OpenApiUtil, OpenApiUtil } from '@alicloud/openapi-core';
import * as $dara from '@darabonba/typescript';
import DaraUrl from '@darabonba/typescript/dist/url.js';

export { InvokeFunctionHeaders } from '@alicloud/fc20230330/dist/models/InvokeFunctionHeaders.js';
export { InvokeFunctionRequest } from '@alicloud/fc20230330/dist/models/InvokeFunctionRequest.js';

/**
 * FC 3.0's `InvokeFunction`, sent exactly as `@alicloud/fc20230330`'s generated client sends it (same `Params`,
 * same request and response models, same `callApi` of `@alicloud/openapi-core`, the package's real base class).
 *
 * Why not `new Fc.default()`: the package's entry loads every model class of the FC 3.0 API, about 900 KB of
 * bundle, for the one operation used here (as for ECS, `shared/ecs/ecs-sdk-client.ts`). If the SDK's request
 * building changes, compare with `node_modules/@alicloud/fc20230330/dist/client.js`
 * (`invokeFunctionWithOptions`); `test/integration/local/fc-invokers.test.ts` checks both send the same request.
 */
// `$dara.URL` is a getter Node's ESM named-export detection does not see; the module it reads is imported whole.
const percentEncode = DaraUrl.default.percentEncode;

export class FcSdkClient extends OpenApi.default {
  constructor(config: $OpenApiUtil.Config) {
    super(config);
    this._endpointRule = '';
    this.checkConfig(config);
    this._endpoint =
      this._endpoint ||
      this._endpointMap?.[this._regionId] ||
      OpenApiUtil.getEndpointRules('fc', this._regionId, this._endpointRule, this._network, this._suffix);
  }

  async invokeFunctionWithOptions(
    functionName: string,
    request: InvokeFunctionRequest,
    headers: InvokeFunctionHeaders,
    runtime: $dara.RuntimeOptions,
  ): Promise<InvokeFunctionResponse> {
    request.validate();
    const query: Record<string, unknown> = {};
    if (!$dara.isNull(request.qualifier)) query.qualifier = request.qualifier;
    const realHeaders: Record<string, string> = { ...(headers.commonHeaders ?? {}) };
    if (!$dara.isNull(headers.xFcAsyncTaskId))
      realHeaders['x-fc-async-task-id'] = String(headers.xFcAsyncTaskId);
    if (!$dara.isNull(headers.xFcInvocationType)) {
      realHeaders['x-fc-invocation-type'] = String(headers.xFcInvocationType);
    }
    if (!$dara.isNull(headers.xFcLogType)) realHeaders['x-fc-log-type'] = String(headers.xFcLogType);
    const req = new $OpenApiUtil.OpenApiRequest({
      headers: realHeaders,
      query: OpenApiUtil.query(query),
      body: request.body,
      stream: request.body,
    });
    const params = new $OpenApiUtil.Params({
      action: 'InvokeFunction',
      version: '2023-03-30',
      protocol: 'HTTPS',
      pathname: `/2023-03-30/functions/${percentEncode(functionName)}/invocations`,
      method: 'POST',
      authType: 'AK',
      style: 'ROA',
      reqBodyType: 'json',
      bodyType: 'binary',
    });
    const res = new InvokeFunctionResponse({});
    const tmp = await this.callApi(params, req, runtime);
    if (!$dara.isNull(tmp.body)) {
      res.body = tmp.body instanceof Readable ? tmp.body : Readable.from(tmp.body as Iterable<unknown>);
    }
    if (!$dara.isNull(tmp.headers)) {
      res.headers = OpenApiUtil.stringifyMapValue(tmp.headers as Record<string, unknown>);
    }
    if (!$dara.isNull(tmp.statusCode)) res.statusCode = Number.parseInt(String(tmp.statusCode), 10);
    return res;
  }
}
