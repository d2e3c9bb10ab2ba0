import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';

const LINES = 2_000;

/**
 * The child writes ~2 MB of log lines into a pipe that is read only after it began: more than a pipe and the
 * reader's buffer hold. A bare `fs.writeSync(1)` on Node's non-blocking pipe throws EAGAIN there (and may cut a
 * line short); the logger's stdout must wait for the reader and lose nothing.
 */
describe('the logger on a stdout pipe whose reader is slow', () => {
  it('writes every line whole and never fails', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/scripts/log-flood.ts'], {
      env: { ...process.env, LOG_FLOOD_LINES: String(LINES) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.pause();
    let stderr = '';
    child.stderr.setEncoding('utf8');
    const begun = new Promise<void>((resolve) =>
      child.stderr.on('data', (text: string) => {
        stderr += text;
        if (stderr.includes('begin')) resolve();
      }),
    );
    const exited = once(child, 'exit');
    // A child that dies before it begins (it cannot load) ends the wait too, and fails below.
    await Promise.race([begun, exited]);
    // Reading starts only once the child is writing; by then the pipe (64 KB) is full many times over.
    const chunks: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stdout.resume();
    const [code] = await exited;
    const lines = Buffer.concat(chunks)
      .toString('utf8')
      .split('\n')
      .filter((l) => l !== '');
    expect(stderr, stderr).not.toMatch(/EAGAIN/);
    expect(code).toBe(0);
    expect(lines).toHaveLength(LINES);
    expect(lines.map((l) => (JSON.parse(l) as { i: number }).i)).toEqual(
      Array.from({ length: LINES }, (_, i) => i),
    );
  });
});
