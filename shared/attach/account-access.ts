/**
 * The ECS gateway for an account, or why there is none: the function's own account uses its own credentials; a
 * configured member account, credentials assumed into its member role; any other account is refused. One
 * resolution per account per invocation (reconcile asks once per account).
 */
import type { AccountDirectory } from '../accounts/account-directory.js';
import type { CredentialProvider } from '../credentials/credentials.js';
import type { MemberCredentials } from '../credentials/member-credentials.js';
import type { EcsGateway } from '../ecs/ecs-gateway.js';
import { describeError, type ErrorInfo } from '../errors/classify.js';

export type AccountAccess =
  | { kind: 'gateway'; gateway: EcsGateway }
  /** Not a configured account: nothing is read or written there. */
  | { kind: 'refused' }
  /** The account is configured, but its credentials could not be had (AssumeRole or the directory failed). */
  | { kind: 'failed'; info: ErrorInfo };

export type AccessFor = (accountId: string | undefined) => Promise<AccountAccess>;

export interface AccessDeps {
  directory: AccountDirectory;
  members: MemberCredentials;
  /** The function's own credentials (they call STS and the directory, and serve its own account). */
  caller: CredentialProvider;
  ownAccountId: string;
  ecs: (credential: CredentialProvider) => EcsGateway;
  requestId: string;
  timeoutSeconds: number;
  neededUntil: number;
}

/** Why an account's instances got no credentials: permanent unless STS says otherwise (AC-5). */
function failure(error: unknown, what: string): ErrorInfo {
  const info = describeError(error);
  const permanent = info.errorClass === 'retryable' ? {} : { errorClass: 'permanent' as const };
  return { ...info, ...permanent, message: `${what}: ${info.message}` };
}

export function accessFor(deps: AccessDeps): AccessFor {
  let own: EcsGateway | undefined;
  return async (accountId) => {
    const account = accountId ?? deps.ownAccountId;
    let configured: boolean;
    try {
      configured = await deps.directory.has(account, deps.caller);
    } catch (error) {
      return { kind: 'failed', info: failure(error, 'could not list the Resource Directory accounts') };
    }
    if (!configured) return { kind: 'refused' };
    if (account === deps.ownAccountId) {
      own ??= deps.ecs(deps.caller);
      return { kind: 'gateway', gateway: own };
    }
    try {
      const credential = await deps.members.provider({
        accountId: account,
        caller: deps.caller,
        requestId: deps.requestId,
        timeoutSeconds: deps.timeoutSeconds,
        neededUntil: deps.neededUntil,
      });
      return { kind: 'gateway', gateway: deps.ecs(credential) };
    } catch (error) {
      return {
        kind: 'failed',
        info: failure(error, `could not assume the member role in account ${account}`),
      };
    }
  };
}
