/**
 * Resource Directory emulator: `ListAccounts` and `ListAccountsForParent` (2020-03-31), paged as cloud-facts
 * AC-8 and AC-10 describe (PageNumber from 1, PageSize 1–100, default 10; `TotalCount`). Only the management
 * account's keys may list (AC-8); the code for anyone else is not documented (here `NoPermission`, inferred).
 */
import { CallLog } from '../call-log.js';
import type { CredentialStore } from '../credential-store.js';
import type { Params } from '../ecs-emulator/request-params.js';
import { startHttpServer } from '../http/http-server.js';
import { createRpcHandler, RpcApiError, type RpcCaller } from '../rpc-api/rpc-handler.js';

export const RD_API_VERSION = '2020-03-31';

export interface RdMember {
  accountId: string;
  displayName?: string;
  /** Default `fd-root0000`. */
  folderId?: string;
  /** Default `CreateSuccess` (AC-9). */
  status?: string;
}

export interface RdEmulatorOptions {
  credentials: CredentialStore;
  managementAccountId: string;
  /** The account of keys that name none. */
  primaryAccountId: string;
  members: readonly RdMember[];
  calls?: CallLog;
  port?: number;
  now?: () => number;
}

export interface RdEmulator {
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly calls: CallLog;
  close(): Promise<void>;
}

const badParam = (name: string) =>
  new RpcApiError(`InvalidParameter.${name}`, `The specified parameter ${name} is invalid.`, 400);

function whole(params: Params, name: string, fallback: number, min: number, max: number): number {
  const text = params.get(name);
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) throw badParam(name);
  return value;
}

function lister(options: RdEmulatorOptions, byFolder: boolean) {
  return (params: Params, caller: RpcCaller): Record<string, unknown> => {
    if ((caller.key.accountId ?? options.primaryAccountId) !== options.managementAccountId) {
      throw new RpcApiError(
        'NoPermission',
        'You are not authorized to do this action. You should be authorized by RAM.',
        403,
      );
    }
    const pageNumber = whole(params, 'PageNumber', 1, 1, 1_000_000);
    const pageSize = whole(params, 'PageSize', 10, 1, 100);
    const folder = params.get('ParentFolderId');
    if (byFolder && !folder)
      throw new RpcApiError(
        'MissingParameter.ParentFolderId',
        'ParentFolderId is mandatory for this action.',
        400,
      );
    const all = options.members.filter((m) => !byFolder || (m.folderId ?? 'fd-root0000') === folder);
    const page = all.slice((pageNumber - 1) * pageSize, pageNumber * pageSize);
    return {
      TotalCount: all.length,
      PageNumber: pageNumber,
      PageSize: pageSize,
      Accounts: {
        Account: page.map((m) => ({
          AccountId: m.accountId,
          DisplayName: m.displayName ?? m.accountId,
          FolderId: m.folderId ?? 'fd-root0000',
          Status: m.status ?? 'CreateSuccess',
          Type: 'ResourceAccount',
          JoinMethod: 'created',
          ResourceDirectoryId: 'rd-emulator0',
        })),
      },
    };
  };
}

export async function startRdEmulator(options: RdEmulatorOptions): Promise<RdEmulator> {
  const now = options.now ?? Date.now;
  const calls = options.calls ?? new CallLog();
  const handler = createRpcHandler({
    service: 'rd',
    product: 'ResourceManager',
    version: RD_API_VERSION,
    actions: { ListAccounts: lister(options, false), ListAccountsForParent: lister(options, true) },
    credentials: options.credentials,
    calls,
    now,
  });
  const server = await startHttpServer(handler, options.port ?? 0);
  return { url: server.url, host: server.host, port: server.port, calls, close: () => server.close() };
}
