import { execFileSync } from 'node:child_process';

/**
 * Vitest global setup: build the function bundles first, so the tests that load `dist/` test what would be
 * deployed, whether `npm test` or a bare `npx vitest` started the run.
 */
export default function setup(): void {
  execFileSync(process.execPath, ['--import', 'tsx', 'tools/build.ts'], { stdio: 'inherit' });
}
