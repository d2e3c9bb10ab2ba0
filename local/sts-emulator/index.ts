/**
 * STS emulator: AssumeRole (2015-04-01) as cloud-facts AC-1 … AC-6 describe it. The role is looked up in its
 * account's RAM state; its trust policy must name the caller (`Principal.RAM`); the keys it issues belong to
 * that account and expire, and every emulator sharing the credential store verifies them (token, expiry,
 * account). `calls` counts the AssumeRole calls, for tests of the function's credential cache.
 */
import { CallLog } from '../call-log.js';
import type { CredentialStore } from '../credential-store.js';
import type { Params } from '../ecs-emulator/request-params.js';
import { startHttpServer } from '../http/http-server.js';
import type { RamState } from '../ram-emulator/ram-state.js';
import { createRpcHandler, RpcApiError, type RpcCaller } from '../rpc-api/rpc-handler.js';
import { trustsRamPrincipal } from './ram-trust.js';

export const STS_API_VERSION = '2015-04-01';

const ROLE_ARN = /^acs:ram::(\d{1,20}):role\/([A-Za-z0-9.-]{1,64})$/;
const SESSION_NAME = /^[A-Za-z0-9.@_-]{2,64}$/;

export interface StsEmulatorOptions {
  credentials: CredentialStore;
  /** The RAM roles of each account (undefined: the account has none). */
  ramFor: (accountId: string) => RamState | undefined;
  /** The account of keys that name none (the emulators' primary account). */
  primaryAccountId: string;
  calls?: CallLog;
  port?: number;
  now?: () => number;
}

export interface StsEmulator {
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly calls: CallLog;
  close(): Promise<void>;
}

const fail = (code: string, message: string, status: number) => new RpcApiError(code, message, status);

/** `2015-04-09T11:52:19Z` (AC-4). */
const stsTime = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

function assumeRole(
  options: Required<Pick<StsEmulatorOptions, 'credentials' | 'ramFor' | 'primaryAccountId' | 'now'>>,
) {
  return (params: Params, caller: RpcCaller): Record<string, unknown> => {
    const callerAccount = caller.key.accountId ?? options.primaryAccountId;
    if (caller.key.principalArn === undefined) {
      throw fail('NoPermission', 'Roles may not be assumed by root accounts.', 403);
    }
    const sessionName = params.get('RoleSessionName') ?? '';
    if (!SESSION_NAME.test(sessionName)) {
      throw fail('InvalidParameter.RoleSessionName', 'The parameter RoleSessionName is wrongly formed.', 400);
    }
    const match = ROLE_ARN.exec(params.get('RoleArn') ?? '');
    if (match === null)
      throw fail('InvalidParameter.RoleArn', 'The parameter RoleArn is wrongly formed.', 400);
    const [, accountId = '', roleName = ''] = match;
    // Role names are unique regardless of case, and ARNs spell them in lower case (AC-7).
    const ram = options.ramFor(accountId);
    const role = ram?.roles().find((r) => r.roleName.toLowerCase() === roleName.toLowerCase());
    if (role === undefined) throw fail('EntityNotExist.Role', 'The specified Role not exists.', 404);
    const duration = Number(params.get('DurationSeconds') ?? '3600');
    if (!Number.isInteger(duration) || duration < 900 || duration > role.maxSessionDuration) {
      throw fail(
        'InvalidParameter.DurationSeconds',
        `The DurationSeconds must be between 900 and ${role.maxSessionDuration}.`,
        400,
      );
    }
    if (!trustsRamPrincipal(role.assumeRolePolicyDocument, caller.key.principalArn, callerAccount)) {
      throw fail(
        'NoPermission',
        'You are not authorized to do this action. You should be authorized by RAM.',
        403,
      );
    }
    const assumedArn = `acs:ram::${accountId}:role/${role.roleName.toLowerCase()}/${sessionName}`;
    const expiresAt = Math.floor(options.now() / 1000) * 1000 + duration * 1000;
    const keys = options.credentials.issueSts({ accountId, principalArn: assumedArn, expiresAt });
    return {
      Credentials: {
        AccessKeyId: keys.accessKeyId,
        AccessKeySecret: keys.accessKeySecret,
        SecurityToken: keys.securityToken,
        Expiration: stsTime(expiresAt),
      },
      AssumedRoleUser: { Arn: assumedArn, AssumedRoleId: `${role.roleId}:${sessionName}` },
    };
  };
}

export async function startStsEmulator(options: StsEmulatorOptions): Promise<StsEmulator> {
  const now = options.now ?? Date.now;
  const calls = options.calls ?? new CallLog();
  const handler = createRpcHandler({
    service: 'sts',
    product: 'Sts',
    version: STS_API_VERSION,
    actions: {
      AssumeRole: assumeRole({
        credentials: options.credentials,
        ramFor: options.ramFor,
        primaryAccountId: options.primaryAccountId,
        now,
      }),
    },
    credentials: options.credentials,
    calls,
    now,
  });
  const server = await startHttpServer(handler, options.port ?? 0);
  return { url: server.url, host: server.host, port: server.port, calls, close: () => server.close() };
}
