/**
 * `--account A` (repeatable) for the commands that walk or check accounts (`plan`, `apply`, `check-roles`): which
 * of the configured accounts to cover, every one without it. The configured accounts are the policy's
 * `accounts:`; a policy without them serves one account, the one your credentials are in. A member account is
 * reached as the function reaches it: STS AssumeRole into its member role, with your credentials as the caller.
 */
import { type CredentialProvider, contextProvider } from '../../../shared/credentials/credentials.js';
import { MemberCredentials } from '../../../shared/credentials/member-credentials.js';
import { sdkAssumeRole } from '../../../shared/credentials/sts-client.js';
import { isRoleName } from '../../../shared/ecs/ids.js';
import type { Policy } from '../../../shared/policy/policy.js';
import type { Cli } from '../../cli.js';
import { ENDPOINT_ALLOWED, type Endpoint, endpointCheck, parseEndpoint } from '../endpoint-flag.js';
import { uidCheck } from '../flag-checks.js';

export const ACCOUNT_OPTIONS = {
  account: { type: 'string', multiple: true },
  'member-role': { type: 'string' },
  'sts-endpoint': { type: 'string' },
} as const;

export const DEFAULT_MEMBER_ROLE = 'ram-role-attacher-member';

export const ACCOUNT_FLAGS_HELP = `  --account A       an account to cover (16 digits); repeat it (or comma-separate) for more (default: every
                    account of the policy's accounts:, or without them the one your credentials are in);
                    must be one of the policy's accounts when it lists any
  --member-role R   the role assumed in each member account (default: MEMBER_ROLE_NAME, else
                    ${DEFAULT_MEMBER_ROLE}); its trust policy must let your credentials assume it. The account
                    your credentials are in (ALIBABA_CLOUD_ACCOUNT_ID) is used with them directly
  --sts-endpoint URL
                    STS's endpoint, ${ENDPOINT_ALLOWED} (default: the SDK's); for the emulators`;

export interface AccountFlags {
  /**
   * The accounts to cover, in the policy's order; `[undefined]` (a policy without `accounts:`): the credentials'
   * own account, unnamed.
   */
  accounts: (string | undefined)[];
  /** The account the credentials are in, when known (ALIBABA_CLOUD_ACCOUNT_ID): no AssumeRole there. */
  ownAccountId: string | undefined;
  memberRole: string;
  stsEndpoint: Endpoint | undefined;
}

interface AccountValues {
  account?: string[] | undefined;
  'member-role'?: string | undefined;
  'sts-endpoint'?: string | undefined;
}

/**
 * The checked flags. Usage errors (exit 2) name the value: an account id that is not 16 digits, one that is not
 * among the policy's accounts, more than one (or another than ALIBABA_CLOUD_ACCOUNT_ID) with a policy that
 * lists none, a bad role name or endpoint.
 */
export function accountFlags(
  cli: Cli,
  values: AccountValues,
  policy: Policy,
  env: NodeJS.ProcessEnv = process.env,
): AccountFlags {
  const given = [
    ...new Set(
      (values.account ?? [])
        .flatMap((v) => v.split(','))
        .map((v) => v.trim())
        .filter((v) => v !== '')
        .map((v) => cli.want('account', v, 'an account id (UID), 16 digits', uidCheck)),
    ),
  ];
  const envAccount = env.ALIBABA_CLOUD_ACCOUNT_ID?.trim() || undefined;
  const ownAccountId =
    envAccount === undefined
      ? undefined
      : cli.want('account', envAccount, 'ALIBABA_CLOUD_ACCOUNT_ID: 16 digits', uidCheck);
  const memberRole = cli.want(
    'member-role',
    values['member-role'] ?? env.MEMBER_ROLE_NAME ?? DEFAULT_MEMBER_ROLE,
    'a RAM role name',
    (v) =>
      isRoleName(v)
        ? undefined
        : `${JSON.stringify(v)} is not a RAM role name (1–64 letters, digits, "." and "-")`,
  );
  const sts = values['sts-endpoint'];
  const stsEndpoint =
    sts === undefined
      ? undefined
      : parseEndpoint(cli.want('sts-endpoint', sts, ENDPOINT_ALLOWED, endpointCheck));
  const configured = policy.accounts?.map((a) => a.id);
  let accounts: (string | undefined)[];
  if (configured !== undefined) {
    const stranger = given.find((id) => !configured.includes(id));
    if (stranger !== undefined) {
      cli.usageError(
        `--account: ${JSON.stringify(stranger)} is not one of the policy's accounts (${configured.join(', ')})`,
      );
    }
    accounts = given.length > 0 ? configured.filter((id) => given.includes(id)) : configured;
  } else {
    const [only, second] = given;
    if (second !== undefined) {
      cli.usageError(
        `--account: ${JSON.stringify(second)}: the policy lists no accounts:, so it serves one account, the one your credentials are in`,
      );
    }
    if (only !== undefined && ownAccountId !== undefined && only !== ownAccountId) {
      cli.usageError(
        `--account: ${JSON.stringify(only)} is not the account your credentials are in (ALIBABA_CLOUD_ACCOUNT_ID ${ownAccountId}), and the policy lists no accounts:`,
      );
    }
    // One account, unnamed: its instances are reported and dead-lettered as before accounts existed.
    accounts = [undefined];
  }
  return { accounts, ownAccountId, memberRole, stsEndpoint };
}

/** A CLI walk may outlast one set of STS keys: each request asks for keys valid a while longer (refreshed). */
const KEYS_NEEDED_FOR_MS = 120_000;

/**
 * The credentials for each account: yours for your own account (or the unnamed one), else assumed into its
 * member role (cached, renewed before they expire, one AssumeRole per account at a time). Throws STS's error.
 */
export function accountCredentials(
  flags: AccountFlags,
  caller: CredentialProvider,
  runId: string,
  now: () => number = Date.now,
): (accountId: string | undefined) => Promise<CredentialProvider> {
  const members = new MemberCredentials({
    assumeRole: sdkAssumeRole({
      regionId: 'cn-hangzhou',
      ...(flags.stsEndpoint === undefined ? {} : { endpoint: flags.stsEndpoint }),
    }),
    roleName: flags.memberRole,
    functionName: 'ram-role-attacher-cli',
    now,
  });
  return async (accountId) => {
    if (accountId === undefined || accountId === flags.ownAccountId) return caller;
    const request = (neededFor: number) => ({
      accountId,
      caller,
      requestId: runId,
      timeoutSeconds: 3_600,
      neededUntil: now() + neededFor,
    });
    // Assumed now, so that a refusal is this account's failure, reported before any call.
    await members.keys(request(KEYS_NEEDED_FOR_MS));
    return {
      getCredential: async () =>
        contextProvider(await members.keys(request(KEYS_NEEDED_FOR_MS))).getCredential(),
    };
  };
}
