import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { coldStart } from '../../../../shared/attach/cold-start.js';
import { ConfigError } from '../../../../shared/config/config.js';

const quiet = { logDestination: { write: () => undefined } };

/** The ConfigError a cold start with `env` fails with (it fails before any cloud client is made). */
async function failure(env: NodeJS.ProcessEnv): Promise<ConfigError> {
  const error = await coldStart({ DEAD_LETTER_QUEUE: 'q', ...env }, quiet).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (error instanceof ConfigError) return error;
  throw new Error(`expected a ConfigError, got ${String(error)}`);
}

describe('cold start: a policy file that cannot be read', () => {
  const code = mkdtempSync(join(tmpdir(), 'cold-start-policy-'));
  mkdirSync(join(code, 'policies'));

  it('is a configuration error naming POLICY_FILE, the resolved path and FC_FUNC_CODE_PATH', async () => {
    const error = await failure({ FC_FUNC_CODE_PATH: code, POLICY_FILE: 'missing.yaml' });
    expect(error.code).toBe('InvalidConfig');
    expect(error.errorClass).toBe('permanent');
    expect(error.problems).toEqual([
      `POLICY_FILE: cannot read the policy ${join(code, 'missing.yaml')}: no such file (POLICY_FILE "missing.yaml" resolved against FC_FUNC_CODE_PATH ${code})`,
    ]);
    expect((error.cause as { code?: string }).code).toBe('ENOENT');
  });

  it('names the default POLICY_FILE and the working directory when FC_FUNC_CODE_PATH is unset', async () => {
    const error = await failure({ POLICY_FILE: 'no/such/policy.yaml' });
    expect(error.message).toContain(`${join(process.cwd(), 'no/such/policy.yaml')}: no such file`);
    expect(error.message).toContain(
      `resolved against the working directory ${process.cwd()}, as FC_FUNC_CODE_PATH is unset`,
    );
  });

  it('says so when POLICY_FILE names a directory', async () => {
    const error = await failure({ FC_FUNC_CODE_PATH: code, POLICY_FILE: 'policies' });
    expect(error.problems[0]).toMatch(
      /^POLICY_FILE: cannot read the policy .*policies: it is a directory, not a file/,
    );
  });

  it('says an absolute POLICY_FILE is taken as it is', async () => {
    const error = await failure({ FC_FUNC_CODE_PATH: code, POLICY_FILE: '/nowhere/policy.yaml' });
    expect(error.problems[0]).toContain('(POLICY_FILE "/nowhere/policy.yaml", an absolute path)');
  });
});
