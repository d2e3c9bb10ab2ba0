import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type InstanceOutcome, OUTCOMES } from '../../../../../shared/attach/outcomes.js';
import {
  ACTIONS,
  applyDocumentSchema,
  buildReport,
  changeKeys,
  type FleetRow,
  fleetReportSchema,
  reportFailed,
  rowFor,
} from '../../../../../tools/cli/fleet/fleet-report.js';
import { planExitCode } from '../../../../../tools/cli/plan.js';

const at = { instanceId: 'i-bp1aaaaaaaaaaaaaaaa1', regionId: 'cn-hangzhou' };

describe('rowFor: the engine outcome, as a row of the plan', () => {
  it.each<[string, InstanceOutcome, string | null, Partial<FleetRow>]>([
    [
      'would-attach',
      { ...at, outcome: 'would-attach', role: 'EcsAppRole', rule: 'web' },
      null,
      { currentRole: null, desiredRole: 'EcsAppRole', action: 'attach', rule: 'web' },
    ],
    [
      'attached (apply)',
      { ...at, outcome: 'attached', role: 'EcsAppRole' },
      null,
      { desiredRole: 'EcsAppRole', action: 'attach' },
    ],
    [
      'would-replace, the previous role from the outcome',
      { ...at, outcome: 'would-replace', role: 'EcsAppRole', previousRole: 'EcsOldRole' },
      'Something',
      { currentRole: 'EcsOldRole', desiredRole: 'EcsAppRole', action: 'replace' },
    ],
    [
      'already-correct',
      { ...at, outcome: 'already-correct', role: 'EcsAppRole' },
      'EcsAppRole',
      { currentRole: 'EcsAppRole', desiredRole: 'EcsAppRole', action: 'none' },
    ],
    [
      'no-rule, with its role as read',
      { ...at, outcome: 'no-rule' },
      'Handmade',
      { currentRole: 'Handmade', desiredRole: null, action: 'none', reason: 'no rule matches' },
    ],
    [
      'conflict',
      { ...at, outcome: 'conflict', role: 'EcsAppRole', previousRole: 'ForeignRole', reason: 'long' },
      'ForeignRole',
      { currentRole: 'ForeignRole', action: 'none', reason: 'conflict: keeps ForeignRole' },
    ],
    [
      'refused',
      { ...at, outcome: 'refused', role: 'AdminRole', reason: 'tag names "AdminRole"' },
      null,
      { desiredRole: 'AdminRole', action: 'skip', reason: 'refused: tag names "AdminRole"' },
    ],
    [
      'skipped by a rule',
      { ...at, outcome: 'skipped', reason: 'policy', rule: 'opt-out' },
      null,
      { desiredRole: null, action: 'skip', reason: 'skip rule "opt-out"' },
    ],
    [
      'skipped, classic network',
      { ...at, outcome: 'skipped', reason: 'classic-network' },
      null,
      { action: 'skip', reason: 'classic network' },
    ],
    [
      'dead-lettered: the code as reason, the message without the code repeated',
      {
        ...at,
        outcome: 'dead-lettered',
        role: 'NotForEcsRole',
        reason: 'attach-failed',
        error: { code: 'InvalidRamRole.NotEcsRole', message: 'InvalidRamRole.NotEcsRole: code: 404, no' },
      },
      null,
      {
        action: 'error',
        reason: 'InvalidRamRole.NotEcsRole',
        error: { code: 'InvalidRamRole.NotEcsRole', message: 'code: 404, no' },
      },
    ],
  ])('%s', (_what, outcome, current, expected) => {
    const row = rowFor(outcome, current);
    expect(row).toMatchObject({ ...at, outcome: outcome.outcome, ...expected });
    expect(fleetReportSchema.shape.instances.parse([row])).toEqual([row]);
  });
});

const outcomeArb: fc.Arbitrary<InstanceOutcome> = fc.record({
  instanceId: fc.stringMatching(/^i-[a-z0-9]{20}$/),
  regionId: fc.constantFrom('cn-hangzhou', 'cn-shanghai'),
  outcome: fc.constantFrom(...OUTCOMES),
  role: fc.option(fc.constantFrom('EcsAppRole', 'EcsOldRole'), { nil: undefined }),
  previousRole: fc.option(fc.constantFrom('EcsOldRole'), { nil: undefined }),
  rule: fc.option(fc.constantFrom('web', 'opt-out'), { nil: undefined }),
  reason: fc.option(fc.constantFrom('policy', 'deleted', 'x'), { nil: undefined }),
  error: fc.option(fc.record({ code: fc.constantFrom('Throttling', 'X'), message: fc.string() }), {
    nil: undefined,
  }),
}) as fc.Arbitrary<InstanceOutcome>;

describe('buildReport', () => {
  it('matches its schema, counts every row once per action and region, and sorts by region then id', () => {
    fc.assert(
      fc.property(fc.array(outcomeArb, { maxLength: 60 }), fc.boolean(), (outcomes, incomplete) => {
        const rows = outcomes.map((o) => rowFor(o, null));
        const report = buildReport({
          kind: 'plan',
          policy: 'policy.yaml',
          accounts: [{ regions: ['cn-shanghai', 'cn-hangzhou'] }],
          rows,
          unlistedRegions: [],
          incomplete,
        });
        expect(fleetReportSchema.parse(report)).toEqual(report);
        const sum = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);
        expect(sum(report.counts.total)).toBe(rows.length);
        for (const a of ACTIONS) {
          const perRegion = Object.values(report.counts.regions).reduce((n, c) => n + c[a], 0);
          expect(perRegion).toBe(report.counts.total[a]);
        }
        expect(report.changes).toBe(report.counts.total.attach + report.counts.total.replace);
        const keys = report.instances.map((r) => `${r.regionId === 'cn-shanghai' ? 0 : 1} ${r.instanceId}`);
        expect(keys).toEqual([...keys].sort());
        expect(reportFailed(report)).toBe(incomplete || report.counts.total.error > 0);
      }),
    );
  });

  it('lists every region asked for, with zeros, and the exit codes follow errors, then changes', () => {
    const base = {
      kind: 'plan' as const,
      policy: 'p',
      accounts: [{ regions: ['cn-hangzhou', 'cn-beijing'] }],
      incomplete: false,
    };
    const attach = rowFor({ ...at, outcome: 'would-attach', role: 'EcsAppRole' }, null);
    const none = rowFor({ ...at, outcome: 'already-correct', role: 'EcsAppRole' }, 'EcsAppRole');
    const clean = buildReport({ ...base, rows: [none], unlistedRegions: [] });
    expect(clean.counts.regions['cn-beijing']).toEqual({ attach: 0, replace: 0, none: 0, skip: 0, error: 0 });
    const changes = buildReport({ ...base, rows: [attach], unlistedRegions: [] });
    const unlisted = buildReport({
      ...base,
      rows: [attach],
      unlistedRegions: [{ accountId: null, regionId: 'cn-beijing', code: 'Forbidden.RAM' }],
    });
    expect([clean, changes, unlisted].map((r) => [planExitCode(r, false), planExitCode(r, true)])).toEqual([
      [0, 0],
      [0, 2],
      [1, 1],
    ]);
    expect([...changeKeys(changes)]).toEqual([`cn-hangzhou/${at.instanceId}: attach - → EcsAppRole`]);
  });

  it('with accounts: rows sorted by account, then region; counts per account; a failed account fails the report', () => {
    const M1 = '2000000000000001';
    const M2 = '3000000000000002';
    const row = (instanceId: string, regionId: string, accountId: string) =>
      rowFor({ instanceId, regionId, outcome: 'would-attach', role: 'EcsAppRole' }, null, accountId);
    const report = buildReport({
      kind: 'plan',
      policy: 'p',
      accounts: [
        { accountId: M2, regions: ['cn-shanghai'] },
        { accountId: M1, regions: ['cn-hangzhou', 'cn-shanghai'] },
      ],
      rows: [row('i-a', 'cn-shanghai', M1), row('i-b', 'cn-hangzhou', M1), row('i-c', 'cn-shanghai', M2)],
      unlistedRegions: [],
      failedAccounts: [],
      incomplete: false,
    });
    expect(fleetReportSchema.parse(report)).toEqual(report);
    expect(report.accounts).toEqual([M2, M1]);
    expect(report.regions).toEqual(['cn-shanghai', 'cn-hangzhou']);
    expect(report.instances.map((r) => [r.accountId, r.instanceId])).toEqual([
      [M2, 'i-c'],
      [M1, 'i-a'],
      [M1, 'i-b'],
    ]);
    expect(report.counts.accounts[M1]?.attach).toBe(2);
    expect(report.counts.regions['cn-shanghai']?.attach).toBe(2);
    expect([...changeKeys(report)][0]).toBe(`${M2}/cn-shanghai/i-c: attach - → EcsAppRole`);
    expect(reportFailed(report)).toBe(false);
    const failed = buildReport({
      ...report,
      accounts: [],
      rows: [],
      failedAccounts: [{ accountId: M1, code: 'NoPermission' }],
      unlistedRegions: [],
    });
    expect(reportFailed(failed)).toBe(true);
  });

  it("apply's document holds the plan and what apply did, or null", () => {
    const plan = buildReport({
      kind: 'plan',
      policy: 'p',
      accounts: [{ regions: ['cn-hangzhou'] }],
      rows: [],
      unlistedRegions: [],
      incomplete: false,
    });
    expect(applyDocumentSchema.parse({ plan, apply: null })).toEqual({ plan, apply: null });
    expect(() => applyDocumentSchema.parse({ plan: { ...plan, version: 2 }, apply: null })).toThrow();
  });
});
