import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { startLocalStack } from '../../../local/local-stack.js';
import { parseSeed } from '../../../local/seed.js';
import { ACCOUNT, fixture, instance } from './harness.js';

const run = promisify(execFile);
const CODE_DIR = resolve('dist/attach-role');

/** Loads the built bundle in a fresh Node process, as FC does, and invokes `index.handler` once. */
const invokeBundle = `
  const { handler } = await import(${JSON.stringify(`${CODE_DIR}/index.mjs`)});
  const input = JSON.parse(process.env.TEST_INVOCATION);
  const summary = await handler(Buffer.from(input.event, 'base64'), input.context);
  process.stdout.write('SUMMARY ' + JSON.stringify(summary) + '\\n');
`;

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
});

/** Emulators with one payments instance that has no role yet; closed after the test. */
async function paymentsStack() {
  const stack = await startLocalStack({
    seed: parseSeed({
      accountId: ACCOUNT,
      roles: [{ name: 'EcsPaymentsRole', trustsEcs: true }],
      instances: [instance('i-bp1pay00000000000002', { team: 'payments', env: 'prod' })],
    }),
  });
  close = stack.close;
  return stack;
}

describe('the deployable bundle (dist/attach-role/index.mjs)', () => {
  it('exports index.handler, reads its config and bundled policy at cold start, and attaches roles', async () => {
    const stack = await paymentsStack();
    const env = {
      ...stack.env({ FC_FUNC_CODE_PATH: CODE_DIR }),
      PATH: process.env.PATH,
      TEST_INVOCATION: JSON.stringify({
        event: fixture('eb-instance-state-pending.json').toString('base64'),
        context: stack.context({ requestId: 'bundle-req-1' }),
      }),
    };
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', invokeBundle], { env });
    const lines = stdout.trim().split('\n');
    const summary = JSON.parse(lines.find((l) => l.startsWith('SUMMARY '))?.slice(8) ?? '{}');
    expect(summary.counts).toEqual({ attached: 1 });
    expect(stack.ecs.state.instance('i-bp1pay00000000000002')?.role).toBe('EcsPaymentsRole');
    const logs = lines.filter((l) => !l.startsWith('SUMMARY ')).map((l) => JSON.parse(l));
    expect(logs.find((l) => l.msg === 'summary')).toMatchObject({
      requestId: 'bundle-req-1',
      fn: 'attach-role',
    });
    expect(stdout).not.toContain(stack.functionKeys.accessKeySecret);
  });

  it("without keys in the context, signs with @alicloud/credentials' default chain (loaded then, in the bundle)", async () => {
    const stack = await paymentsStack();
    const { credentials: _none, ...context } = stack.context({ requestId: 'bundle-req-env' });
    const env = {
      ...stack.env({ FC_FUNC_CODE_PATH: CODE_DIR }),
      PATH: process.env.PATH,
      ALIBABA_CLOUD_ACCESS_KEY_ID: stack.functionKeys.accessKeyId,
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: stack.functionKeys.accessKeySecret,
      ALIBABA_CLOUD_SECURITY_TOKEN: stack.functionKeys.securityToken,
      TEST_INVOCATION: JSON.stringify({
        event: fixture('eb-instance-state-pending.json').toString('base64'),
        context,
      }),
    };
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', invokeBundle], { env });
    expect(stdout).toContain('SUMMARY {"counts":{"attached":1}');
    expect(stack.ecs.state.instance('i-bp1pay00000000000002')?.role).toBe('EcsPaymentsRole');
  });

  it('evaluates at cold start none of what FC never runs: credential chain, XML parser, debug, worker threads, zlib', async () => {
    // `process.moduleLoadList` names each Node built-in loaded so far: these are required only by those paths.
    const probe = `
      const before = new Set(process.moduleLoadList);
      await import(${JSON.stringify(`${CODE_DIR}/index.mjs`)});
      const loaded = process.moduleLoadList.filter((m) => !before.has(m));
      process.stdout.write(JSON.stringify(loaded) + '\\n');
    `;
    const env = {
      PATH: process.env.PATH,
      FC_FUNC_CODE_PATH: CODE_DIR,
      DEAD_LETTER_QUEUE: 'q',
      LOG_LEVEL: 'silent',
    };
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', probe], { env });
    const loaded: string[] = JSON.parse(stdout.trim().split('\n').pop() ?? '[]');
    expect(loaded).toContain('NativeModule https'); // the probe sees what the bundle loads
    for (const builtin of ['child_process', 'tty', 'worker_threads', 'readline', 'zlib']) {
      expect(loaded, builtin).not.toContain(`NativeModule ${builtin}`);
    }
  });

  it('loads the MNS client only when something must be dead-lettered', async () => {
    // A copy of the code directory without the MNS client's chunk: what never loads cannot be missed.
    const dir = mkdtempSync(join(tmpdir(), 'bundle-without-mns-'));
    cpSync(CODE_DIR, dir, { recursive: true });
    const mnsChunks = readdirSync(dir).filter((f) => /^mns-client-\w+\.mjs$/.test(f));
    // More than one when a rebuild left the previous build's chunk (kept a while for running instances: build.ts).
    expect(mnsChunks.length).toBeGreaterThanOrEqual(1);
    for (const chunk of mnsChunks) rmSync(join(dir, chunk));
    const stack = await paymentsStack();
    const invoke = (event: Buffer) =>
      run(process.execPath, ['--input-type=module', '-e', invokeBundle.replace(CODE_DIR, dir)], {
        env: {
          ...stack.env({ FC_FUNC_CODE_PATH: dir }),
          PATH: process.env.PATH,
          TEST_INVOCATION: JSON.stringify({ event: event.toString('base64'), context: stack.context() }),
        },
      });
    const { stdout } = await invoke(fixture('eb-instance-state-pending.json'));
    expect(stdout).toContain('SUMMARY {"counts":{"attached":1}');
    const failed = await invoke(fixture('malformed/not-json.txt')).catch((e: unknown) => e);
    expect(String((failed as { stderr?: string }).stderr)).toMatch(/ERR_MODULE_NOT_FOUND.*mns-client-/s);
  });

  it('fails at cold start, naming the variable, when the configuration is invalid', async () => {
    const env = { PATH: process.env.PATH, FC_FUNC_CODE_PATH: CODE_DIR, MAX_ATTEMPTS: 'lots' };
    const error = await run(process.execPath, ['--input-type=module', '-e', invokeBundle], { env }).catch(
      (e: unknown) => e,
    );
    expect(String((error as { stderr?: string }).stderr)).toMatch(
      /DEAD_LETTER_TOPIC \(or, without alerting, DEAD_LETTER_QUEUE\) is required.*MAX_ATTEMPTS/s,
    );
  });
});
