/** ECS for `plan` and `apply`: the official SDK with `@alicloud/credentials`' default chain, as check-roles does. */
import {
  type CredentialProvider,
  credentialsFor,
  resolveCredentials,
} from '../../../shared/credentials/credentials.js';
import type { EcsGateway } from '../../../shared/ecs/ecs-gateway.js';
import { SdkEcsGateway } from '../../../shared/ecs/sdk-ecs-gateway.js';
import type { Endpoint } from '../endpoint-flag.js';
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

export const ecsGateway = (credential: CredentialProvider, endpoint: Endpoint | undefined): EcsGateway =>
  new SdkEcsGateway({ credential, ...(endpoint === undefined ? {} : { endpoint }), ...ECS_TIMEOUTS });
