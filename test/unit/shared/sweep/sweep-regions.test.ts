import { describe, expect, it } from 'vitest';
import type { AccountDirectory } from '../../../../shared/accounts/account-directory.js';
import { loadConfig } from '../../../../shared/config/config.js';
import type { CredentialProvider } from '../../../../shared/credentials/credentials.js';
import { createLogger } from '../../../../shared/logging/logger.js';
import type { Policy } from '../../../../shared/policy/policy.js';
import { Deadline } from '../../../../shared/retry/deadline.js';
import { accountRegions, sweepAccounts } from '../../../../shared/sweep/sweep-accounts.js';

const OWN = '1234567890123456';
const M1 = '2000000000000001';
const M2 = '3000000000000002';

const config = (sweepRegionsVar?: string) =>
  loadConfig({
    DEAD_LETTER_QUEUE: 'dlq',
    FC_REGION: 'cn-hangzhou',
    FC_ACCOUNT_ID: OWN,
    ...(sweepRegionsVar === undefined ? {} : { SWEEP_REGIONS: sweepRegionsVar }),
  });

const policy = (regions?: string[], accounts?: Policy['accounts']): Policy => ({
  version: 1,
  mode: 'enforce',
  onExistingRole: 'keep',
  reportConflicts: false,
  allowedRoles: ['EcsAppRole'],
  ...(regions === undefined ? {} : { regions }),
  ...(accounts === undefined ? {} : { accounts }),
  rules: [],
});

const silent = createLogger({ level: 'silent' });
const caller: CredentialProvider = { getCredential: async () => ({}) };
const retry = {
  maxAttempts: 1,
  backoff: { baseMs: 1, capMs: 1 },
  deadline: new Deadline(Number.MAX_SAFE_INTEGER, () => 0),
};
const directory = (ids: string[] | Error): AccountDirectory => ({
  has: async (id) => (ids instanceof Error ? Promise.reject(ids) : ids.includes(id)),
  list: async () => (ids instanceof Error ? Promise.reject(ids) : ids),
});

describe('accountRegions', () => {
  it('SWEEP_REGIONS, else the account’s own regions, else the policy’s, else the function’s own', () => {
    expect(accountRegions(config('cn-beijing,cn-shanghai'), policy(), 'cn-hangzhou', OWN)).toEqual([
      'cn-beijing',
      'cn-shanghai',
    ]);
    expect(accountRegions(config(), policy(['cn-shanghai']), 'cn-hangzhou', OWN)).toEqual(['cn-shanghai']);
    expect(accountRegions(config(), policy(), 'cn-hangzhou', OWN)).toEqual(['cn-hangzhou']);
    const accounts = [{ id: OWN }, { id: M1, regions: ['cn-shanghai'] }];
    expect(accountRegions(config(), policy(undefined, accounts), 'cn-hangzhou', M1)).toEqual(['cn-shanghai']);
    expect(accountRegions(config(), policy(undefined, accounts), 'cn-hangzhou', OWN)).toEqual([
      'cn-hangzhou',
    ]);
  });

  it('never a region outside the policy’s or the account’s, and says which it dropped', () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'info', destination: { write: (line: string) => lines.push(line) } });
    const regions = accountRegions(
      config('cn-beijing,cn-shanghai'),
      policy(['cn-shanghai', 'cn-hangzhou']),
      'cn-hangzhou',
      OWN,
      log,
    );
    expect(regions).toEqual(['cn-shanghai']);
    expect(lines.map((line) => JSON.parse(line))).toMatchObject([
      { level: 'warn', accountId: OWN, dropped: ['cn-beijing'] },
    ]);
    const accounts = [{ id: M1, regions: ['cn-shanghai'] }];
    expect(
      accountRegions(config('cn-hangzhou,cn-shanghai'), policy(undefined, accounts), 'cn-hangzhou', M1),
    ).toEqual(['cn-shanghai']);
  });
});

describe('sweepAccounts', () => {
  const input = (p: Policy, dir: AccountDirectory | undefined) => ({
    config: config(),
    policy: p,
    ownAccountId: OWN,
    ownRegion: 'cn-hangzhou',
    directory: dir,
    caller,
    retry,
    log: silent,
  });

  it('the own account alone without ACCOUNTS; the directory’s (policy or Resource Directory) with it', async () => {
    expect(await sweepAccounts(input(policy(), undefined))).toEqual([
      { accountId: OWN, regions: ['cn-hangzhou'] },
    ]);
    const listed = policy(['cn-hangzhou', 'cn-shanghai'], [{ id: M1, regions: ['cn-shanghai'] }, { id: M2 }]);
    expect(await sweepAccounts(input(listed, directory([M1, M2])))).toEqual([
      { accountId: M1, regions: ['cn-shanghai'] },
      { accountId: M2, regions: ['cn-hangzhou', 'cn-shanghai'] },
    ]);
  });

  it('scopes a Resource Directory’s members by the policy’s accounts, and throws when it cannot be listed', async () => {
    const listed = policy(undefined, [{ id: M2 }]);
    expect(await sweepAccounts(input(listed, directory([OWN, M1, M2])))).toEqual([
      { accountId: M2, regions: ['cn-hangzhou'] },
    ]);
    await expect(sweepAccounts(input(listed, directory(new Error('down'))))).rejects.toThrow();
  });
});
