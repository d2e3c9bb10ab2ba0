import Ecs from '@alicloud/ecs20140526';
import { $OpenApiUtil } from '@alicloud/openapi-core';
import { describe, expect, it } from 'vitest';
import { ECS_ENDPOINT_MAP } from '../../../../shared/ecs/ecs-endpoints.js';
import { EcsSdkClient } from '../../../../shared/ecs/ecs-sdk-client.js';

const GeneratedClient = ((Ecs as unknown as { default?: unknown }).default ?? Ecs) as typeof Ecs.default;
const endpointOf = (client: object) => (client as { _endpoint?: string })._endpoint;
const config = (regionId: string) =>
  new $OpenApiUtil.Config({ accessKeyId: 'AK', accessKeySecret: 'secret', regionId });

/** cloud-facts ECS-27: our slim client must send every region's calls where the generated client would. */
describe('EcsSdkClient endpoints', () => {
  it('holds the generated client’s endpoint map', () => {
    const generated = new GeneratedClient(config('cn-hangzhou')) as unknown as { _endpointMap: object };
    expect(ECS_ENDPOINT_MAP).toEqual(generated._endpointMap);
  });

  it.each([...Object.keys(ECS_ENDPOINT_MAP), 'cn-shanghai', 'cn-beijing', 'ap-southeast-1', 'eu-central-1'])(
    '%s resolves to the generated client’s host',
    (region) => {
      expect(endpointOf(new EcsSdkClient(config(region)))).toBe(
        endpointOf(new GeneratedClient(config(region))),
      );
    },
  );
});
