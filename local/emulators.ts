/**
 * `npm run emulators -- [--seed <file>] [--shape direct|buffered]`
 *
 * Starts only the emulators (ECS, MNS, FC with the built function, EventBridge wired as s.yaml declares), seeds
 * ECS, and prints as one JSON line every endpoint and the AccessKey pair they accept, so any Alibaba Cloud client
 * can be pointed at them. Runs until interrupted.
 */
import { parseArgs } from 'node:util';
import { startSandbox } from './sandbox/sandbox.js';
import { readSeed } from './seed.js';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      seed: { type: 'string', default: 'local/examples/seed.json' },
      shape: { type: 'string', default: 'direct' },
    },
    strict: true,
  });
  if (values.shape !== 'direct' && values.shape !== 'buffered')
    throw new Error(`--shape: direct or buffered, not ${values.shape}`);
  const sandbox = await startSandbox({ seed: await readSeed(values.seed), shape: values.shape });
  console.log(JSON.stringify(sandbox.endpoints()));
  const stop = () => void sandbox.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(`emulators failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
