import Credential from '@alicloud/credentials';
import { describe, expect, it } from 'vitest';
import { resourceDirectory } from '../../../../shared/accounts/account-directory.js';
import { listMembers, type RdPage } from '../../../../shared/accounts/resource-directory.js';

const caller = new Credential.default();
const id = (n: number) => String(1_000_000_000_000_000 + n);

function pages(total: number, status = (_n: number) => 'CreateSuccess') {
  const requested: number[] = [];
  const listPage = async (_c: unknown, page: number): Promise<RdPage> => {
    requested.push(page);
    const from = (page - 1) * 100;
    const accounts = Array.from({ length: Math.max(0, Math.min(100, total - from)) }, (_, i) => ({
      accountId: id(from + i),
      status: status(from + i),
    }));
    return { accounts, totalCount: total };
  };
  return { listPage, requested };
}

describe('Resource Directory members', () => {
  it('reads every page until TotalCount rows are read', async () => {
    const { listPage, requested } = pages(250);
    expect(await listMembers(caller, listPage)).toHaveLength(250);
    expect(requested).toEqual([1, 2, 3]);
  });

  it('leaves out members being removed or that never joined (AC-9), keeps unknown statuses', async () => {
    const statuses = ['Removing', 'PromoteFailed', 'InviteSuccess', 'SomethingNew'];
    const { listPage } = pages(4, (n) => statuses[n] ?? '');
    expect((await listMembers(caller, listPage)).map((m) => m.accountId)).toEqual([id(2), id(3)]);
  });

  it('stops on an empty page whatever TotalCount says', async () => {
    const listPage = async (_c: unknown, page: number): Promise<RdPage> => ({
      accounts: page === 1 ? [{ accountId: id(1) }] : [],
      totalCount: 1_000,
    });
    expect(await listMembers(caller, listPage)).toHaveLength(1);
  });

  it('re-reads the directory after its time to live, by the injected clock', async () => {
    let clock = 0;
    const { listPage, requested } = pages(3);
    const directory = resourceDirectory({ listPage, now: () => clock, ttlMs: 1_000 });
    expect(await directory.has(id(1), caller)).toBe(true);
    expect(await directory.has(id(9), caller)).toBe(false);
    expect(requested).toEqual([1]);
    clock = 1_000;
    await directory.has(id(1), caller);
    expect(requested).toEqual([1, 1]);
  });
});
