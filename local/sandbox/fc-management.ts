import Fc3 from '@alicloud/fc20230330';
import { $OpenApiUtil } from '@alicloud/openapi-core';
import type { Sandbox } from './sandbox.js';

/** `@alicloud/fc20230330`'s client class (Node and vitest hand over a CommonJS default differently). */
const Fc3Client = ((Fc3 as unknown as { default?: unknown }).default ?? Fc3) as typeof Fc3.default;

/**
 * The whole FC 3.0 SDK (management calls such as UpdateFunction, as `s deploy` makes them) with the operator's
 * key, pointed at the sandbox's FC emulator. Local only: the functions' bundles use `shared/fc/fc-sdk-client.ts`.
 */
export function fcManagementClient(sandbox: Sandbox): InstanceType<typeof Fc3Client> {
  return new Fc3Client(
    new $OpenApiUtil.Config({
      accessKeyId: sandbox.operatorKey.accessKeyId,
      accessKeySecret: sandbox.operatorKey.accessKeySecret,
      endpoint: sandbox.fc.url.replace(/^http:\/\//, ''),
      protocol: 'http',
      regionId: sandbox.region,
      connectTimeout: 30_000,
      readTimeout: 30_000,
    }),
  );
}
