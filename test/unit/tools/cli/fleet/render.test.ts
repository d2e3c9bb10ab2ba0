import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { colours } from '../../../../../tools/cli/colour.js';
import { confirm } from '../../../../../tools/cli/fleet/confirm.js';
import { buildReport, rowFor } from '../../../../../tools/cli/fleet/fleet-report.js';
import { createProgress, progressLine } from '../../../../../tools/cli/fleet/progress.js';
import { renderReport, renderTable } from '../../../../../tools/cli/fleet/render.js';

const plain = colours({ isTTY: false });
const tty = colours({ isTTY: true }, {});
const rows = [
  rowFor(
    { instanceId: 'i-bp1a', regionId: 'cn-hangzhou', outcome: 'would-attach', role: 'EcsAppRole' },
    null,
  ),
  rowFor(
    {
      instanceId: 'i-bp1bbbbbbb',
      regionId: 'cn-hangzhou',
      outcome: 'would-replace',
      role: 'EcsAppRole',
      previousRole: 'EcsOldRole',
    },
    'EcsOldRole',
  ),
  rowFor(
    { instanceId: 'i-bp1c', regionId: 'cn-hangzhou', outcome: 'skipped', reason: 'policy', rule: 'opt-out' },
    null,
  ),
];
const report = buildReport({
  kind: 'plan',
  policy: 'policy.yaml',
  accounts: [{ regions: ['cn-hangzhou', 'cn-shanghai'] }],
  rows,
  unlistedRegions: [{ accountId: null, regionId: 'cn-shanghai', code: 'Forbidden.RAM' }],
  incomplete: false,
});

describe('the plan as text', () => {
  it('aligns the columns, counts per region and in total, and names what could not be listed', () => {
    expect(renderReport(report, plain).split('\n')).toEqual([
      'instance      region       current role  desired role  action',
      'i-bp1a        cn-hangzhou  -             EcsAppRole    attach',
      'i-bp1bbbbbbb  cn-hangzhou  EcsOldRole    EcsAppRole    replace',
      'i-bp1c        cn-hangzhou  -             -             skip (skip rule "opt-out")',
      '',
      'region       attach  replace  none  skip  error',
      'cn-hangzhou       1        1     0     1      0',
      'cn-shanghai       0        0     0     0      0',
      '',
      'Plan: 1 to attach, 1 to replace, 0 unchanged, 1 skipped, 0 unreadable.',
      'cn-shanghai: could not list its instances (Forbidden.RAM); nothing there was looked at',
    ]);
  });

  it('with accounts: an account column, counts per account, and the accounts that could not be entered', () => {
    const M1 = '2000000000000001';
    const M2 = '3000000000000002';
    const withAccounts = buildReport({
      kind: 'plan',
      policy: 'policy.yaml',
      accounts: [
        { accountId: M1, regions: ['cn-hangzhou'] },
        { accountId: M2, regions: ['cn-hangzhou'] },
      ],
      rows: [
        rowFor(
          { instanceId: 'i-bp1a', regionId: 'cn-hangzhou', outcome: 'would-attach', role: 'EcsAppRole' },
          null,
          M1,
        ),
      ],
      unlistedRegions: [],
      failedAccounts: [{ accountId: M2, code: 'NoPermission' }],
      incomplete: false,
    });
    expect(renderReport(withAccounts, plain).split('\n')).toEqual([
      'instance  account           region       current role  desired role  action',
      `i-bp1a    ${M1}  cn-hangzhou  -             EcsAppRole    attach`,
      '',
      'region       attach  replace  none  skip  error',
      'cn-hangzhou       1        0     0     0      0',
      '',
      'account           attach  replace  none  skip  error',
      `${M1}       1        0     0     0      0`,
      `${M2}       0        0     0     0      0`,
      '',
      'Plan: 1 to attach, 0 to replace, 0 unchanged, 0 skipped, 0 unreadable.',
      `account ${M2}: its member role could not be assumed (NoPermission); nothing there was looked at`,
    ]);
  });

  it('colours only the action on a terminal, so that the columns stay aligned', () => {
    const coloured = renderTable(rows, tty).split('\n');
    expect(coloured[1]).toBe(
      'i-bp1a        cn-hangzhou  -             EcsAppRole    \u001b[32mattach\u001b[39m',
    );
    expect(coloured[2]?.endsWith('\u001b[33mreplace\u001b[39m')).toBe(true);
    expect(renderTable(rows, plain).includes('\u001b')).toBe(false);
  });
});

describe('the progress line', () => {
  const step = {
    regionIndex: 1,
    regionCount: 2,
    regionId: 'cn-shanghai',
    instances: 300,
    changes: 12,
    errors: 0,
  };

  it('says which region, how many instances and changes', () => {
    expect(progressLine('reading', step)).toBe(
      '[███████████████░░░░░] reading region 2/2 cn-shanghai · 300 instances · 12 changes',
    );
    expect(progressLine('writing', { ...step, errors: 3 })).toMatch(/ · 3 errors$/);
  });

  it('prints nothing when stderr is not a terminal, and no escape sequence with NO_COLOR', () => {
    let piped = '';
    const pipe = createProgress({ write: (t: string) => (piped += t), isTTY: false }, 'reading', {});
    pipe.update(step);
    pipe.end();
    expect(piped).toBe('');

    let noColour = '';
    const p = createProgress({ write: (t: string) => (noColour += t), isTTY: true }, 'reading', {
      NO_COLOR: '1',
    });
    p.update(step);
    p.update({ ...step, instances: 400 });
    p.end();
    expect(noColour.includes('\u001b')).toBe(false);
    expect(noColour.endsWith('\r')).toBe(true);
    expect(noColour).toContain('400 instances');

    let coloured = '';
    const c = createProgress({ write: (t: string) => (coloured += t), isTTY: true }, 'reading', {});
    c.update(step);
    c.end();
    expect(coloured.endsWith('\r\u001b[2K')).toBe(true);
  });
});

describe('confirm', () => {
  const ask = async (input: string | null) => {
    const stdin = new PassThrough();
    let asked = '';
    const answer = confirm(stdin, { write: (t: string) => (asked += t) }, 'Apply? ');
    if (input === null) stdin.end();
    else stdin.write(input);
    return { answer: await answer, asked };
  };

  it('goes ahead only on "yes"; anything else, or the end of input, is a no', async () => {
    expect(await ask('yes\n')).toEqual({ answer: true, asked: 'Apply? ' });
    expect((await ask('y\n')).answer).toBe(false);
    expect((await ask('YES please\n')).answer).toBe(false);
    expect((await ask(null)).answer).toBe(false);
  });
});
