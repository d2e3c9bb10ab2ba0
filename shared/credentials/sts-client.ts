/**
 * STS AssumeRole through the official `@alicloud/sts20150401` client (cloud-facts AC-1). Chosen over
 * `@alicloud/credentials`' RAM role ARN provider because that provider always speaks https to its STS host (it
 * cannot reach a local emulator), fixes one session name per provider (ours names each request), and keeps its own
 * clock (ours is injected, so the cache's expiry is testable); the cache lives in `member-credentials.ts`.
 */
import { $OpenApiUtil } from '@alicloud/openapi-core';
import Sts, { AssumeRoleRequest } from '@alicloud/sts20150401';
import type { SdkEndpoint } from '../config/config.js';
import type { CredentialProvider } from './credentials.js';

// Node's ESM loader hands a CommonJS module's `exports` to a default import (sdk-wire §8).
const StsClient = ((Sts as unknown as { default?: unknown }).default ?? Sts) as typeof Sts.default;

export interface AssumeRoleInput {
  roleArn: string;
  sessionName: string;
  durationSeconds: number;
}

/** What AssumeRole answers (AC-4), the expiry as epoch ms. */
export interface AssumedCredentials {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken: string;
  expiresAt: number;
}

/** AssumeRole with the caller's (the function role's) credentials. Throws the SDK's error, `code` and all. */
export type AssumeRole = (caller: CredentialProvider, input: AssumeRoleInput) => Promise<AssumedCredentials>;

/** An answer that lacks the keys or a readable expiry: not usable, and said so (AC-4). */
export class StsAnswerError extends Error {
  readonly code = 'InvalidStsAnswer';
}

export function sdkAssumeRole(options: { regionId: string; endpoint?: SdkEndpoint }): AssumeRole {
  return async (caller, input) => {
    const client = new StsClient(
      new $OpenApiUtil.Config({
        credential: caller,
        regionId: options.regionId,
        ...(options.endpoint === undefined
          ? {}
          : { endpoint: options.endpoint.host, protocol: options.endpoint.protocol }),
      }),
    );
    const response = await client.assumeRole(
      new AssumeRoleRequest({
        roleArn: input.roleArn,
        roleSessionName: input.sessionName,
        durationSeconds: input.durationSeconds,
      }),
    );
    const c = response.body?.credentials;
    const expiresAt = Date.parse(c?.expiration ?? '');
    if (!c?.accessKeyId || !c.accessKeySecret || !c.securityToken || Number.isNaN(expiresAt)) {
      throw new StsAnswerError(
        'STS AssumeRole answered without AccessKeyId, secret, token or a readable Expiration',
      );
    }
    return {
      accessKeyId: c.accessKeyId,
      accessKeySecret: c.accessKeySecret,
      securityToken: c.securityToken,
      expiresAt,
    };
  };
}
