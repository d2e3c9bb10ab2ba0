import { describe, expect, it } from 'vitest';
import { EcsChaos, TRANSIENT_KINDS } from '../../../../local/ecs-emulator/chaos.js';

const draws = (chaos: EcsChaos, action: string, n: number) =>
  Array.from({ length: n }, () => chaos.decide(action));

describe('EcsChaos', () => {
  it('the same seed gives the same faults; another seed, others', () => {
    const rates = { '*': { transient: 0.2, permanent: 0.02 } };
    const a = draws(new EcsChaos({ seed: 1, rates, timeoutHoldMs: 0 }), 'DescribeInstances', 500);
    const b = draws(new EcsChaos({ seed: 1, rates, timeoutHoldMs: 0 }), 'DescribeInstances', 500);
    const c = draws(new EcsChaos({ seed: 2, rates, timeoutHoldMs: 0 }), 'DescribeInstances', 500);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it('injects at the given rates, per action, every transient kind, and counts what it injected', () => {
    const chaos = new EcsChaos({
      seed: 7,
      rates: { AttachInstanceRamRole: { transient: 0.3, permanent: 0.05 } },
      timeoutHoldMs: 0,
    });
    const fates = draws(chaos, 'AttachInstanceRamRole', 20_000);
    const share = (kind: string) => fates.filter((f) => f === kind).length / fates.length;
    expect(share('permanent')).toBeCloseTo(0.05, 2);
    for (const kind of TRANSIENT_KINDS) expect(share(kind)).toBeCloseTo(0.3 / TRANSIENT_KINDS.length, 2);
    // An action without rates (and no '*') is left alone.
    expect(draws(chaos, 'DescribeInstances', 1_000).every((f) => f === undefined)).toBe(true);
    expect(chaos.total()).toBe(fates.filter((f) => f !== undefined).length);
    expect(chaos.code('AttachInstanceRamRole', 'permanent')).toBe('InvalidUser.PassRoleForbidden');
    expect(chaos.code('DescribeInstances', 'permanent')).toBe('Forbidden.RAM');
  });

  it('refuses rates that are not shares', () => {
    expect(
      () => new EcsChaos({ seed: 1, rates: { '*': { transient: 0.9, permanent: 0.2 } }, timeoutHoldMs: 0 }),
    ).toThrow(/between 0 and 1/);
  });
});
