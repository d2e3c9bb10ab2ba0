import { describe, expect, it } from 'vitest';
import { isAccountId, isInstanceId, isRegionId, isRoleName } from '../../../shared/ecs/ids.js';

describe('identifier formats', () => {
  it.each([
    ['i-bp1aaaaaaaaaaaaaaaa1', true],
    ['i-uf6app00000000000001', true],
    ['i-abc"]; DROP', false],
    ['i-BP1AAAAAAAAAAAAAAAA1', false],
    ['d-bp1disk000000000001', false],
    ['i-short', false],
    [' i-bp1aaaaaaaaaaaaaaaa1', false],
    ['i-bp1aaaaaaaaaaaaaaaa1\n', false],
  ])('instance id %j → %s', (id, ok) => expect(isInstanceId(id)).toBe(ok));

  it.each([
    ['cn-hangzhou', true],
    ['ap-southeast-1', true],
    ['cn-shanghai-finance-1', true],
    ['../../etc', false],
    ['cn_hangzhou', false],
    ['CN-HANGZHOU', false],
    ['hangzhou', false],
  ])('region id %j → %s', (id, ok) => expect(isRegionId(id)).toBe(ok));

  it('account ids are digits only', () => {
    expect(isAccountId('1234567890123456')).toBe(true);
    expect(isAccountId('12345x')).toBe(false);
    expect(isAccountId(1234)).toBe(false);
  });

  it('role names follow RAM rules', () => {
    expect(isRoleName('EcsPaymentsRole')).toBe(true);
    expect(isRoleName('a.b-c')).toBe(true);
    expect(isRoleName('x'.repeat(65))).toBe(false);
    expect(isRoleName('Admin Role')).toBe(false);
    expect(isRoleName('')).toBe(false);
  });
});
