/**
 * `--build`: what `npm start`, `npm run emulators` and `npm run bench` pass so that `dist/` is built before they
 * run, after their arguments have been checked (`--help` and a usage error never wait for a build).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export const BUILD_FLAG_HELP =
  '--build  build dist/ first (npm passes it; leave it out to run what is built)';

/** Runs `npm run build` (tools/build.ts), its output on stderr; throws when it fails. */
export function buildFirst(): void {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'tools/build.ts'], {
    cwd: ROOT,
    stdio: ['ignore', process.stderr, process.stderr],
  });
  if (result.error !== undefined) throw new Error(`the build could not start: ${result.error.message}`);
  if (result.status !== 0)
    throw new Error(`the build failed (exit ${result.status ?? result.signal}); see above`);
}
