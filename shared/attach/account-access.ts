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
import { OperationError, type RetryOptions, withRetry } from '../retry/retry.js';

export type AccountAccess =
  | { kind: 'gateway'; gateway: EcsGateway }
  /** Not a configured account: nothing is read or written there. */
  | { kind: 'refused' }
  /** The account is configured, but its credentials could not be had (AssumeRole or the directory failed). */
  | { kind: 'failed'; info: ErrorInfo; attempts: number };

export type AccessFor = (accountId: string | undefined) => Promise<AccountAccess>;

export interface AccessDeps {
  directory: AccountDirectory;
  members: MemberCredentials;
  /** The function's own credentials (they call STS and the directory, and serve its own account). */
  caller: CredentialProvider;
  ownAccountId: string;
  /** ECS in `accountId` with `credential`; the account keeps calls (shared or rate-limited) apart per account. */
  ecs: (credential: CredentialProvider, accountId: string) => EcsGateway & { release?(): void };
  /** The invocation's own gateway, for its own account (one view, released by the handler). */
  own?: EcsGateway;
  /** Each member view made, so the invocation can release it when it ends. */
  onView?: (gateway: EcsGateway & { release?(): void }) => void;
  requestId: string;
  timeoutSeconds: number;
  neededUntil: number;
  /** STS and the directory are retried like ECS (throttling, 5xx), within the invocation's deadline. */
  retry: Omit<RetryOptions, 'describe' | 'onRetry' | 'minAttemptMs'>;
}

/** Why an account's instances got no credentials, and after how many attempts (AC-5). */
function failure(error: unknown, what: string): AccountAccess {
  const attempts = error instanceof OperationError ? error.attempts : 1;
  const info = error instanceof OperationError ? error.info : describeError(error);
  return { kind: 'failed', info: { ...info, message: `${what}: ${info.message}` }, attempts };
}

export function accessFor(deps: AccessDeps): AccessFor {
  let own: EcsGateway | undefined;
  return async (accountId) => {
    const account = accountId ?? deps.ownAccountId;
    let configured: boolean;
    try {
      configured = await withRetry(() => deps.directory.has(account, deps.caller), deps.retry);
    } catch (error) {
      return failure(error, 'could not list the Resource Directory accounts');
    }
    if (!configured) return { kind: 'refused' };
    if (account === deps.ownAccountId) {
      own ??= deps.own ?? deps.ecs(deps.caller, deps.ownAccountId);
      return { kind: 'gateway', gateway: own };
    }
    try {
      const credential = await withRetry(
        () =>
          deps.members.provider({
            accountId: account,
            caller: deps.caller,
            requestId: deps.requestId,
            timeoutSeconds: deps.timeoutSeconds,
            neededUntil: deps.neededUntil,
          }),
        deps.retry,
      );
      const gateway = deps.ecs(credential, account);
      deps.onView?.(gateway);
      return { kind: 'gateway', gateway };
    } catch (error) {
      return failure(error, `could not assume the member role in account ${account}`);
    }
  };
}
