import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../../shared/config/config.js';
import { createLogger } from '../../../../shared/logging/logger.js';
import type { Policy } from '../../../../shared/policy/policy.js';
import { sweepRegions } from '../../../../shared/sweep/sweep-handler.js';

const config = (sweepRegionsVar?: string) =>
  loadConfig({
    DEAD_LETTER_QUEUE: 'dlq',
    FC_REGION: 'cn-hangzhou',
    FC_ACCOUNT_ID: '1234567890123456',
    ...(sweepRegionsVar === undefined ? {} : { SWEEP_REGIONS: sweepRegionsVar }),
  });

const policy = (regions?: string[]): Policy => ({
  version: 1,
  mode: 'enforce',
  onExistingRole: 'keep',
  reportConflicts: false,
  allowedRoles: ['EcsAppRole'],
  ...(regions === undefined ? {} : { regions }),
  rules: [],
});

describe('sweepRegions', () => {
  it('SWEEP_REGIONS, else the policy’s regions, else the function’s own', () => {
    expect(sweepRegions(config('cn-beijing,cn-shanghai'), policy(), 'cn-hangzhou')).toEqual([
      'cn-beijing',
      'cn-shanghai',
    ]);
    expect(sweepRegions(config(), policy(['cn-shanghai']), 'cn-hangzhou')).toEqual(['cn-shanghai']);
    expect(sweepRegions(config(), policy(), 'cn-hangzhou')).toEqual(['cn-hangzhou']);
  });

  it('never a region outside the policy’s, and says which it dropped', () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'info', destination: { write: (line: string) => lines.push(line) } });
    const regions = sweepRegions(
      config('cn-beijing,cn-shanghai'),
      policy(['cn-shanghai', 'cn-hangzhou']),
      'cn-hangzhou',
      log,
    );
    expect(regions).toEqual(['cn-shanghai']);
    expect(lines.map((line) => JSON.parse(line))).toMatchObject([{ level: 'warn', dropped: ['cn-beijing'] }]);
  });
});
