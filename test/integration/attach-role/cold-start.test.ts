import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../../local/local-stack.js';
import { parseSeed } from '../../../local/seed.js';
import { type ColdStartPhase, coldStart } from '../../../shared/attach/cold-start.js';
import { loadPolicy } from '../../../shared/policy/load-policy.js';
import { encodeParsedPolicy, parsedPolicyPath } from '../../../shared/policy/parsed-policy.js';
import type { Policy } from '../../../shared/policy/policy.js';
import { ACCOUNT, DESIGN_POLICY, fixture, instance } from './harness.js';

let stack: LocalStack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

/** A code directory holding the policy, and beside it what the build validated of `built.text` (if given). */
function codeDir(policyText: string, built?: { text: string; policy: Policy }): string {
  const dir = mkdtempSync(join(tmpdir(), 'cold-start-'));
  const policyPath = join(dir, 'policy.yaml');
  writeFileSync(policyPath, policyText);
  if (built !== undefined) {
    const json = encodeParsedPolicy(built.text, { policy: built.policy, warnings: [] });
    if (json === undefined) throw new Error('not representable');
    writeFileSync(parsedPolicyPath(policyPath), json);
  }
  return dir;
}

/** Cold start against a fresh stack, one invocation; the log lines and the phases, in order. */
async function startAndInvoke(dir: string) {
  stack = await startLocalStack({
    seed: parseSeed({
      accountId: ACCOUNT,
      roles: [{ name: 'EcsPaymentsRole', trustsEcs: true }],
      instances: [instance('i-bp1pay00000000000002', { team: 'payments', env: 'prod' })],
    }),
  });
  const lines: Record<string, unknown>[] = [];
  const phases: ColdStartPhase[] = [];
  const handler = await coldStart(stack.env({ FC_FUNC_CODE_PATH: dir }), {
    logDestination: { write: (line) => void lines.push(JSON.parse(line)) },
    onPhase: (phase) => void phases.push(phase),
  });
  await handler(fixture('eb-instance-state-pending.json'), stack.context());
  return { lines, phases, summary: lines.find((l) => l.msg === 'summary') };
}

describe('cold start: the policy', () => {
  it('is the policy the build validated, when the policy text is the one it validated', async () => {
    // The stored policy says dry-run; the YAML says enforce: which one ran shows which was read.
    const { policy } = loadPolicy(DESIGN_POLICY, 'policy.yaml');
    const dryRun: Policy = { ...policy, mode: 'dry-run' };
    const { summary, phases } = await startAndInvoke(
      codeDir(DESIGN_POLICY, { text: DESIGN_POLICY, policy: dryRun }),
    );
    expect(summary).toMatchObject({ mode: 'dry-run' });
    expect(phases).toEqual(['config', 'policy', 'ready']);
  });

  it('is validated from the YAML, saying so, when the policy changed since the build', async () => {
    const edited = `${DESIGN_POLICY}# edited after the build\n`;
    const { policy } = loadPolicy(DESIGN_POLICY, 'policy.yaml');
    const { lines, summary } = await startAndInvoke(codeDir(edited, { text: DESIGN_POLICY, policy }));
    expect(summary).toMatchObject({ mode: 'enforce', counts: { attached: 1 } });
    expect(
      lines.find((l) => l.level === 'info' && String(l.msg).includes('validating the YAML'))?.msg,
    ).toMatch(
      /the policy changed since the build validated it into .*policy\.yaml\.parsed\.json: validating the YAML/,
    );
  });

  it('is validated from the YAML, silently, when the build did not validate it', async () => {
    const { lines, summary } = await startAndInvoke(codeDir(DESIGN_POLICY));
    expect(summary).toMatchObject({ mode: 'enforce', counts: { attached: 1 } });
    expect(lines.filter((l) => l.level !== 'info' || String(l.msg).includes('YAML'))).toEqual([]);
  });
});
