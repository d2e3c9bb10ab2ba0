import type { ChildProcessWithoutNullStreams } from 'node:child_process';

/** How a command-line tool ended: its exit code and everything it wrote. */
export interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Collects a spawned tool's output until it has exited and its pipes are drained; kills it after `timeoutMs`. */
export function childExit(
  child: ChildProcessWithoutNullStreams,
  what: string,
  timeoutMs: number,
): Promise<Exit> {
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${what} did not exit within ${timeoutMs / 1000} s:\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
