import { AttachInstanceRamRoleRequest } from '@alicloud/ecs20140526/dist/models/AttachInstanceRamRoleRequest.js';
import { AttachInstanceRamRoleResponse } from '@alicloud/ecs20140526/dist/models/AttachInstanceRamRoleResponse.js';
import { DescribeInstanceRamRoleRequest } from '@alicloud/ecs20140526/dist/models/DescribeInstanceRamRoleRequest.js';
import { DescribeInstanceRamRoleResponse } from '@alicloud/ecs20140526/dist/models/DescribeInstanceRamRoleResponse.js';
import { DescribeInstancesRequest } from '@alicloud/ecs20140526/dist/models/DescribeInstancesRequest.js';
import { DetachInstanceRamRoleRequest } from '@alicloud/ecs20140526/dist/models/DetachInstanceRamRoleRequest.js';
import { DetachInstanceRamRoleResponse } from '@alicloud/ecs20140526/dist/models/DetachInstanceRamRoleResponse.js';
import OpenApi, { $OpenApiUtil, OpenApiUtil } from '@alicloud/openapi-core';
import * as $dara from '@darabonba/typescript';
import { ECS_ENDPOINT_MAP } from './ecs-endpoints.js';
import { InstanceRowsResponse } from './instance-rows.js';

export {
  AttachInstanceRamRoleRequest,
  DescribeInstanceRamRoleRequest,
  DescribeInstancesRequest,
  DetachInstanceRamRoleRequest,
};

/**
 * The four ECS 2014-05-26 operations this project uses, sent exactly as `@alicloud/ecs20140526`'s generated
 * client sends them (same `Params`, same request models and response models, except `DescribeInstances`' answer,
 * cast to the fields we read: `instance-rows.ts`; same `callApi` of `@alicloud/openapi-core`, the package's real
 * base class).
 *
 * Why not `new Ecs.default()`: the package's entry loads all 3,453 model classes, which makes the bundle
 * 8 MB and cold start ~4× slower (sdk-wire.md §8). Importing the seven model files we use by path keeps the
 * wire identical and the bundle small. If the SDK's request building changes, compare with
 * `node_modules/@alicloud/ecs20140526/dist/client.js` (`…WithOptions`).
 */
export class EcsSdkClient extends OpenApi.default {
  constructor(config: $OpenApiUtil.Config) {
    super(config);
    this._endpointRule = 'regional';
    this._endpointMap = { ...ECS_ENDPOINT_MAP };
    this.checkConfig(config);
    this._endpoint =
      this._endpoint ||
      this._endpointMap[this._regionId] ||
      OpenApiUtil.getEndpointRules('ecs', this._regionId, this._endpointRule, this._network, this._suffix);
  }

  /**
   * `DescribeInstances`, its response cast to only the fields `SdkEcsGateway` reads (`instance-rows.ts`, same
   * names and types as the SDK's `DescribeInstancesResponse`): the full model costs memory and start time.
   */
  async describeInstanceRows(
    request: DescribeInstancesRequest,
    runtime: $dara.RuntimeOptions,
  ): Promise<InstanceRowsResponse> {
    return $dara.cast(await this.#rpc('DescribeInstances', request, runtime), new InstanceRowsResponse({}));
  }

  async describeInstanceRamRole(
    request: DescribeInstanceRamRoleRequest,
    runtime: $dara.RuntimeOptions,
  ): Promise<DescribeInstanceRamRoleResponse> {
    return $dara.cast(
      await this.#rpc('DescribeInstanceRamRole', request, runtime),
      new DescribeInstanceRamRoleResponse({}),
    );
  }

  async attachInstanceRamRole(
    request: AttachInstanceRamRoleRequest,
    runtime: $dara.RuntimeOptions,
  ): Promise<AttachInstanceRamRoleResponse> {
    return $dara.cast(
      await this.#rpc('AttachInstanceRamRole', request, runtime),
      new AttachInstanceRamRoleResponse({}),
    );
  }

  async detachInstanceRamRole(
    request: DetachInstanceRamRoleRequest,
    runtime: $dara.RuntimeOptions,
  ): Promise<DetachInstanceRamRoleResponse> {
    return $dara.cast(
      await this.#rpc('DetachInstanceRamRole', request, runtime),
      new DetachInstanceRamRoleResponse({}),
    );
  }

  /** What every generated `…WithOptions` method does: validate, flatten the model into the query, call. */
  async #rpc(
    action: string,
    request: $dara.Model,
    runtime: $dara.RuntimeOptions,
  ): Promise<Record<string, unknown>> {
    request.validate();
    const req = new $OpenApiUtil.OpenApiRequest({ query: OpenApiUtil.query(request.toMap()) });
    const params = new $OpenApiUtil.Params({
      action,
      version: '2014-05-26',
      protocol: 'HTTPS',
      pathname: '/',
      method: 'POST',
      authType: 'AK',
      style: 'RPC',
      reqBodyType: 'formData',
      bodyType: 'json',
    });
    return this.callApi(params, req, runtime);
  }
}
