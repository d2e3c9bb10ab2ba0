import Credential from '@alicloud/credentials';
import { registerSecret } from '../logging/logger.js';

/** The function role's STS keys as FC hands them over in `context.credentials`. */
export interface ContextCredentials {
  accessKeyId?: string;
  accessKeySecret?: string;
  securityToken?: string;
}

/** The fields of `@alicloud/credentials`' `CredentialModel` that the SDK clients read. */
export interface CredentialModel {
  accessKeyId?: string;
  accessKeySecret?: string;
  securityToken?: string;
  bearerToken?: string;
  type?: string;
  providerName?: string;
}

/**
 * What the SDK clients call on a credential: `getCredential()` only (`@alicloud/openapi-core` client.js, each
 * request, whose `Config` takes any object; `resolveCredentials` below, for `@alicloud/mns`).
 */
export interface CredentialProvider {
  getCredential(): Promise<CredentialModel>;
}

/**
 * FC's keys as the SDK's `static_sts` / `static_ak` providers give them, so a request carries the same
 * `x-acs-credentials-provider` header, without loading `@alicloud/credentials` (its providers are most of a
 * cold start's SDK code that FC never runs: cloud-facts CS-1).
 */
export function contextProvider(
  keys: ContextCredentials & { accessKeyId: string; accessKeySecret: string },
): CredentialProvider {
  const model: CredentialModel = keys.securityToken
    ? {
        accessKeyId: keys.accessKeyId,
        accessKeySecret: keys.accessKeySecret,
        securityToken: keys.securityToken,
        type: 'sts',
        providerName: 'static_sts',
      }
    : {
        accessKeyId: keys.accessKeyId,
        accessKeySecret: keys.accessKeySecret,
        type: 'access_key',
        providerName: 'static_ak',
      };
  return { getCredential: async () => ({ ...model }) };
}

/**
 * Built lazily: the chain probes files and IMDS, which a function on FC never needs. In the bundle the package
 * itself is evaluated only then (`tools/build/bundle-options.ts`, DEFERRED). Module-level on purpose, one per
 * process: the chain caches the keys it found and refreshes them before they expire, so every invocation (and every
 * tool command) shares one rather than probing again; nothing about it depends on the configuration a cold start reads.
 */
let defaultChain: CredentialProvider | undefined;

/**
 * Credentials for this invocation: the STS keys FC put in the context when it did (each invocation may carry
 * fresh ones), otherwise `@alicloud/credentials`' default chain (environment, profile, ECS RAM role, URI).
 * Their secrets are registered with the logger so they can never be printed.
 */
export function credentialsFor(context: ContextCredentials | undefined): CredentialProvider {
  if (context?.accessKeyId && context.accessKeySecret) {
    registerSecret(context.accessKeySecret);
    registerSecret(context.securityToken);
    return contextProvider({
      ...context,
      accessKeyId: context.accessKeyId,
      accessKeySecret: context.accessKeySecret,
    });
  }
  defaultChain ??= new Credential.default();
  return defaultChain;
}

export interface ResolvedCredentials {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
}

/** Resolves the provider to plain keys, for clients that cannot take a provider (`@alicloud/mns`). */
export async function resolveCredentials(provider: CredentialProvider): Promise<ResolvedCredentials> {
  const model = await provider.getCredential();
  const accessKeyId = model.accessKeyId;
  const accessKeySecret = model.accessKeySecret;
  if (!accessKeyId || !accessKeySecret) throw new Error('credentials provider returned no AccessKey');
  registerSecret(accessKeySecret);
  registerSecret(model.securityToken);
  return model.securityToken
    ? { accessKeyId, accessKeySecret, securityToken: model.securityToken }
    : { accessKeyId, accessKeySecret };
}
