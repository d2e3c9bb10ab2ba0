/**
 * GetRole through the official `@alicloud/ram20150501` client, with `@alicloud/credentials`' default chain, as
 * an operator's machine runs it; `endpoint` points it at the emulator. RAM is global: the client sends every
 * region's calls to ram.aliyuncs.com (cloud-facts RM-1).
 */

import { $OpenApiUtil } from '@alicloud/openapi-core';
import Ram, { GetRoleRequest } from '@alicloud/ram20150501';
import type { CredentialProvider } from '../../../shared/credentials/credentials.js';
import type { Endpoint } from '../endpoint-flag.js';
import type { GetRoleAnswer } from './role-check.js';

// Node's ESM loader hands a CommonJS module's `exports` to a default import (sdk-wire §8).
const RamClient = ((Ram as unknown as { default?: unknown }).default ?? Ram) as typeof Ram.default;

export type GetRole = (roleName: string) => Promise<GetRoleAnswer>;

export function ramGetRole(options: {
  credential: CredentialProvider;
  region: string;
  endpoint?: Endpoint;
}): GetRole {
  const client = new RamClient(
    new $OpenApiUtil.Config({
      credential: options.credential,
      regionId: options.region,
      ...(options.endpoint === undefined
        ? {}
        : { endpoint: options.endpoint.host, protocol: options.endpoint.protocol }),
    }),
  );
  return async (roleName) => {
    try {
      const response = await client.getRole(new GetRoleRequest({ roleName }));
      const role = response.body?.role;
      if (role === undefined) return { kind: 'failed', code: 'NoRole', message: 'GetRole answered no Role' };
      return {
        kind: 'found',
        arn: role.arn ?? '',
        assumeRolePolicyDocument: role.assumeRolePolicyDocument,
      };
    } catch (error) {
      const code = String((error as { code?: unknown }).code ?? 'Error');
      if (code === 'EntityNotExist.Role') return { kind: 'missing' };
      const message = error instanceof Error ? error.message : String(error);
      return { kind: 'failed', code, message: message.split('\n', 1)[0] ?? message };
    }
  };
}
