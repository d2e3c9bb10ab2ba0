import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decide } from '../../../../shared/policy/decide.js';
import type { Policy } from '../../../../shared/policy/policy.js';
import { inScope, outOfScope, regionInScope } from '../../../../shared/policy/scope.js';
import { REGIONS } from './arbitraries.js';

const policy = (regions?: string[]): Policy => ({
  version: 1,
  mode: 'enforce',
  onExistingRole: 'keep',
  reportConflicts: false,
  allowedRoles: ['EcsAppRole'],
  ...(regions === undefined ? {} : { regions }),
  rules: [{ name: 'all', when: { tags: {} }, effect: { kind: 'role', role: 'EcsAppRole' } }],
});

const region = fc.oneof(fc.constantFrom(...REGIONS, 'cn-hangzhou-finance', 'us-west-1'), fc.string());

describe('inScope', () => {
  it('a policy without regions governs every region', () => {
    fc.assert(fc.property(region, (regionId) => inScope(policy(), { regionId })));
  });

  it('a policy with regions governs exactly those, compared exactly', () => {
    const p = policy(['cn-hangzhou', 'cn-shanghai']);
    expect(inScope(p, { regionId: 'cn-hangzhou' })).toBe(true);
    expect(inScope(p, { regionId: 'cn-shanghai' })).toBe(true);
    expect(inScope(p, { regionId: 'cn-beijing' })).toBe(false);
    expect(inScope(p, { regionId: 'CN-HANGZHOU' })).toBe(false);
    expect(inScope(p, { regionId: 'cn-hangzhou-finance' })).toBe(false);
    expect(inScope(p, { regionId: '' })).toBe(false);
  });

  it('agrees with the list, and decide skips for the region exactly when out of scope', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.constantFrom(...REGIONS), { minLength: 1 }),
        region,
        (regions, regionId) => {
          const p = policy(regions);
          const covered = inScope(p, { regionId });
          expect(covered).toBe(regions.includes(regionId));
          const decision = decide(p, { instanceId: 'i-1', regionId, tags: {} });
          expect(decision.action === 'skip' && decision.reason === 'region').toBe(!covered);
        },
      ),
    );
  });
});

describe('accounts in the scope', () => {
  const withAccounts: Policy = {
    ...policy(['cn-hangzhou', 'cn-shanghai']),
    accounts: [{ id: '1111111111111111' }, { id: '2222222222222222', regions: ['cn-shanghai'] }],
  };

  it("an instance needs a listed account, and the account's own regions hold", () => {
    expect(inScope(withAccounts, { regionId: 'cn-hangzhou', accountId: '1111111111111111' })).toBe(true);
    expect(inScope(withAccounts, { regionId: 'cn-hangzhou', accountId: '3333333333333333' })).toBe(false);
    expect(inScope(withAccounts, { regionId: 'cn-hangzhou', accountId: undefined })).toBe(false);
    expect(outOfScope(withAccounts, { regionId: 'cn-hangzhou', accountId: '2222222222222222' })).toEqual({
      reason: 'region',
      regionId: 'cn-hangzhou',
      regions: ['cn-shanghai'],
      of: 'account',
    });
    expect(outOfScope(withAccounts, { regionId: 'cn-hangzhou', accountId: '9' })).toMatchObject({
      reason: 'account',
    });
  });

  it('regionInScope asks about the region alone, whatever the accounts', () => {
    fc.assert(
      fc.property(region, (regionId) => {
        expect(regionInScope(withAccounts, regionId)).toBe(
          regionId === 'cn-hangzhou' || regionId === 'cn-shanghai',
        );
        expect(regionInScope(policy(), regionId)).toBe(true);
      }),
    );
  });
});
