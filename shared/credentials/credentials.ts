import Credential, { Config as CredentialConfig } from '@alicloud/credentials';
import { registerSecret } from '../logging/logger.js';

/** The function role's STS keys as FC hands them over in `context.credentials`. */
export interface ContextCredentials {
  accessKeyId?: string;
  accessKeySecret?: string;
  securityToken?: string;
}

export type CredentialProvider = Credential.default;

/**
 * `@alicloud/credentials`' default chain, built lazily: it probes the environment, files and IMDS, which a function
 * on FC never needs (FC hands keys in the context). Module-level on purpose, one per process: the chain caches
 * the keys it found and refreshes them before they expire, so every invocation (and every tool command) shares
 * one rather than probing again; nothing about it depends on the configuration a cold start reads.
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
    const config = context.securityToken
      ? new CredentialConfig({
          type: 'sts',
          accessKeyId: context.accessKeyId,
          accessKeySecret: context.accessKeySecret,
          securityToken: context.securityToken,
        })
      : new CredentialConfig({
          type: 'access_key',
          accessKeyId: context.accessKeyId,
          accessKeySecret: context.accessKeySecret,
        });
    return new Credential.default(config);
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
