/**
 * `--account A` (repeatable) for the commands that walk or check accounts (`plan`, `apply`, `check-roles`, `iam`):
 * which of the configured accounts to cover, every one without it. The configured accounts are, as ACCOUNTS says
 * for the function, the policy's `accounts:` or the Resource Directory's members (`--accounts-from`, read through
 * the function's own directory code); a policy without accounts and no `--accounts-from` serves one account, the
 * one your credentials are in. A member account is reached as the function reaches it: STS AssumeRole into its
 * member role, with your credentials as the caller.
 */
import { resourceDirectory } from '../../../shared/accounts/account-directory.js';
import { DEFAULT_MEMBER_ROLE_NAME, FOLDER_ID } from '../../../shared/config/config.js';
import { type CredentialProvider, contextProvider } from '../../../shared/credentials/credentials.js';
import { MemberCredentials } from '../../../shared/credentials/member-credentials.js';
import { sdkAssumeRole } from '../../../shared/credentials/sts-client.js';
import { isRoleName } from '../../../shared/ecs/ids.js';
import type { Policy } from '../../../shared/policy/policy.js';
import { governedAccounts } from '../../../shared/sweep/sweep-accounts.js';
import type { Cli } from '../../cli.js';
import { ENDPOINT_ALLOWED, type Endpoint, endpointFlag } from '../endpoint-flag.js';
import { uidCheck } from '../flag-checks.js';

export const ACCOUNT_OPTIONS = {
  account: { type: 'string', multiple: true },
  'member-role': { type: 'string' },
  'sts-endpoint': { type: 'string' },
  'accounts-from': { type: 'string' },
  folder: { type: 'string' },
  'resource-directory-endpoint': { type: 'string' },
} as const;

export const ACCOUNT_SOURCES = ['policy', 'resource-directory'] as const;

export const DEFAULT_MEMBER_ROLE = DEFAULT_MEMBER_ROLE_NAME;

export const ACCOUNT_FLAGS_HELP = `  --account A       an account to cover (16 digits); repeat it (or comma-separate) for more (default: every
                    configured account, see --accounts-from);
                    must be one of the configured accounts when there are any
  --accounts-from S policy or resource-directory, as the function's ACCOUNTS: the policy's accounts:, or the
                    members the Resource Directory lists (ListAccounts; needs resourcemanager:ListAccounts,
                    the policy's accounts: still scope them) (default: policy when the policy lists accounts,
                    else only the account your credentials are in)
  --folder F        with resource-directory: one folder's members only (ListAccountsForParent), as
                    ACCOUNTS_FOLDER; fd-… or the root r-…
  --resource-directory-endpoint URL
                    the Resource Directory's endpoint, ${ENDPOINT_ALLOWED} (default: the SDK's); for the
                    emulators
  --member-role R   the role assumed in each member account (default: MEMBER_ROLE_NAME, else
                    ${DEFAULT_MEMBER_ROLE}); its trust policy must let your credentials assume it. The account
                    your credentials are in (ALIBABA_CLOUD_ACCOUNT_ID) is used with them directly
  --sts-endpoint URL
                    STS's endpoint, ${ENDPOINT_ALLOWED} (default: the SDK's); for the emulators`;

export interface AccountFlags {
  /** Where the accounts come from; `own`: the credentials' account alone. */
  source: 'policy' | 'resource-directory' | 'own';
  /** With `resource-directory`: the folder and endpoint the directory is read with. */
  directory?: { folderId?: string; endpoint?: Endpoint };
  /** The accounts `--account` named (checked against the directory once it is read). */
  given: string[];
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

export interface AccountValues {
  account?: string[] | undefined;
  'member-role'?: string | undefined;
  'sts-endpoint'?: string | undefined;
  'accounts-from'?: string | undefined;
  folder?: string | undefined;
  'resource-directory-endpoint'?: string | undefined;
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
  const given = accountIdList(cli, values.account);
  const envAccount = env.ALIBABA_CLOUD_ACCOUNT_ID?.trim() || undefined;
  const ownAccountId =
    envAccount === undefined
      ? undefined
      : cli.want('account', envAccount, 'ALIBABA_CLOUD_ACCOUNT_ID: 16 digits', uidCheck);
  const memberRole = memberRoleFlag(cli, values['member-role'], env);
  const stsEndpoint = endpointFlag(cli, 'sts-endpoint', values['sts-endpoint']);
  const configured = policy.accounts?.map((a) => a.id);
  const from = values['accounts-from'];
  const source =
    from === undefined
      ? configured === undefined
        ? 'own'
        : 'policy'
      : cli.choice('accounts-from', from, ACCOUNT_SOURCES);
  const common = { given, ownAccountId, memberRole, stsEndpoint };
  if (source !== 'resource-directory') {
    for (const flag of ['folder', 'resource-directory-endpoint'] as const) {
      if (values[flag] !== undefined)
        cli.usageError(
          `--${flag}: only with --accounts-from resource-directory (the accounts come from ${source === 'own' ? 'your credentials' : 'the policy'})`,
        );
    }
  }
  if (source === 'resource-directory') {
    const folder = values.folder;
    const folderId =
      folder === undefined
        ? undefined
        : cli.want('folder', folder, 'a folder id such as fd-bVaRIG3qGz or the root r-Wm3qXY', (v) =>
            FOLDER_ID.test(v) ? undefined : `${JSON.stringify(v)} is not a folder id (fd-… or r-…)`,
          );
    const endpoint = endpointFlag(cli, 'resource-directory-endpoint', values['resource-directory-endpoint']);
    return {
      source,
      directory: {
        ...(folderId === undefined ? {} : { folderId }),
        ...(endpoint === undefined ? {} : { endpoint }),
      },
      accounts: [],
      ...common,
    };
  }
  if (source === 'policy') {
    if (configured === undefined) {
      cli.usageError(
        '--accounts-from: "policy" but the policy lists no accounts: (add accounts: or use --accounts-from resource-directory)',
      );
    }
    const stranger = given.find((id) => !configured.includes(id));
    if (stranger !== undefined) {
      cli.usageError(
        `--account: ${JSON.stringify(stranger)} is not one of the policy's accounts (${configured.join(', ')})`,
      );
    }
    const accounts = given.length > 0 ? configured.filter((id) => given.includes(id)) : configured;
    return { source, accounts, ...common };
  }
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
  return { source, accounts: [undefined], ...common };
}

/**
 * The accounts to cover: with `resource-directory`, the directory's members read now through the function's own
 * directory code (paged, the folder filter), scoped by the policy's `accounts:` as the sweep scopes them, then
 * narrowed to `--account`; otherwise `flags.accounts` as checked. An `--account` the directory does not list is
 * a usage error (exit 2); an unreadable directory, or one listing no account the policy governs, a failure.
 */
export async function coveredAccounts(
  cli: Cli,
  flags: AccountFlags,
  policy: Policy,
  caller: () => Promise<CredentialProvider>,
): Promise<AccountFlags> {
  if (flags.source !== 'resource-directory') return flags;
  const { folderId, endpoint } = flags.directory ?? {};
  const directory = resourceDirectory({
    // The SDK loads only here, as the function loads it: the other commands never pay for it.
    listPage: async (caller, page) =>
      (await import('../../../shared/accounts/resource-directory-sdk.js')).sdkListPage({
        regionId: 'cn-hangzhou',
        ...(endpoint === undefined ? {} : { endpoint }),
        ...(folderId === undefined ? {} : { folderId }),
      })(caller, page),
    now: Date.now,
  });
  let listed: string[];
  try {
    listed = await directory.list(await caller());
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`could not list the Resource Directory's accounts: ${message.split('\n', 1)[0]}`, {
      cause: error,
    });
  }
  const governed = governedAccounts(policy, 'cn-hangzhou', listed);
  const where = folderId === undefined ? 'the Resource Directory' : `folder ${folderId}`;
  const stranger = flags.given.find((id) => !governed.includes(id));
  if (stranger !== undefined) {
    cli.usageError(
      `--account: ${JSON.stringify(stranger)} is not one of the accounts ${where} lists${policy.accounts === undefined ? '' : " that the policy's accounts: govern"} (${governed.join(', ') || 'none'})`,
    );
  }
  const accounts = flags.given.length > 0 ? governed.filter((id) => flags.given.includes(id)) : governed;
  if (accounts.length === 0) {
    throw new Error(
      `${where} lists no account${policy.accounts === undefined ? '' : " that the policy's accounts: govern"}`,
    );
  }
  return { ...flags, accounts };
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

/** `--account A` (repeatable, or comma-separated): the account ids given, each checked, without repeats. */
export function accountIdList(cli: Cli, given: readonly string[] | undefined): string[] {
  return [
    ...new Set(
      (given ?? [])
        .flatMap((v) => v.split(','))
        .map((v) => v.trim())
        .filter((v) => v !== '')
        .map((v) => cli.want('account', v, 'an account id (UID), 16 digits', uidCheck)),
    ),
  ];
}

/** `--member-role R`, else MEMBER_ROLE_NAME, else the member template's default: a RAM role name. */
export function memberRoleFlag(cli: Cli, given: string | undefined, env: NodeJS.ProcessEnv): string {
  return cli.want(
    'member-role',
    given ?? env.MEMBER_ROLE_NAME ?? DEFAULT_MEMBER_ROLE,
    'a RAM role name',
    (v) =>
      isRoleName(v)
        ? undefined
        : `${JSON.stringify(v)} is not a RAM role name (1–64 letters, digits, "." and "-")`,
  );
}
