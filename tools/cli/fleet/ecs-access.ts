/** ECS for `plan` and `apply`: the official SDK with `@alicloud/credentials`' default chain, as check-roles does. */

import type { AccountAccess } from '../../../shared/attach/account-access.js';
import {
  type CredentialProvider,
  credentialsFor,
  resolveCredentials,
} from '../../../shared/credentials/credentials.js';
import type { EcsGateway } from '../../../shared/ecs/ecs-gateway.js';
import { SdkEcsGateway } from '../../../shared/ecs/sdk-ecs-gateway.js';
import { describeError } from '../../../shared/errors/classify.js';
import type { SweepTarget } from '../../../shared/sweep/sweep.js';
import type { Endpoint } from '../endpoint-flag.js';
import { type AccountFlags, accountCredentials } from './account-flags.js';
import { ECS_TIMEOUTS } from './run-fleet.js';

/**
 * The default chain's credentials, resolved before the first call, so that a machine without any fails with
 * one line saying so, not with every region "unlisted".
 */
export async function operatorCredentials(): Promise<CredentialProvider> {
  const credential = credentialsFor(undefined);
  try {
    await resolveCredentials(credential);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(
      `no Alibaba Cloud credentials (@alicloud/credentials' default chain: ALIBABA_CLOUD_ACCESS_KEY_ID and _SECRET, a profile, an instance role): ${message.split('\n', 1)[0]}`,
      { cause: error },
    );
  }
  return credential;
}

/** `operatorCredentials` resolved once, on first use: the flags ask for them only to read the Resource Directory. */
export function lazyOperatorCredentials(): () => Promise<CredentialProvider> {
  let resolved: Promise<CredentialProvider> | undefined;
  return () => {
    resolved ??= operatorCredentials();
    return resolved;
  };
}

export const ecsGateway = (credential: CredentialProvider, endpoint: Endpoint | undefined): EcsGateway =>
  new SdkEcsGateway({ credential, ...(endpoint === undefined ? {} : { endpoint }), ...ECS_TIMEOUTS });

/**
 * Each account's ECS for `plan` and `apply`: your credentials in your own account, the member role's elsewhere
 * (`account-flags.ts`); an account whose role cannot be assumed is reported as failed with STS's code, and the
 * walk goes on with the others, as the function's sweep does.
 */
export function fleetAccess(
  flags: { accounts: AccountFlags; endpoint: Endpoint | undefined },
  credential: CredentialProvider,
  runId: string,
): (account: SweepTarget) => Promise<AccountAccess> {
  const credentialsOf = accountCredentials(flags.accounts, credential, runId);
  return async (account) => {
    try {
      return { kind: 'gateway', gateway: ecsGateway(await credentialsOf(account.accountId), flags.endpoint) };
    } catch (error) {
      const info = describeError(error);
      return {
        kind: 'failed',
        info: {
          ...info,
          message: `could not assume ${flags.accounts.memberRole} in ${account.accountId}: ${info.message}`,
        },
        attempts: 1,
      };
    }
  };
}
