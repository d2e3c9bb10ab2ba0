/**
 * `npm run emulators -- [--seed <file>] [--shape direct|buffered]`
 *
 * Starts only the emulators (ECS, MNS, FC with the built function, EventBridge wired as s.yaml declares), seeds
 * ECS, and prints as one JSON line every endpoint and the AccessKey pair they accept, so any Alibaba Cloud client
 * can be pointed at them. Runs until interrupted.
 */
import { BUILD_FLAG_HELP, buildFirst } from '../tools/cli/build-first.js';
import { type Cli, createCli } from '../tools/cli.js';
import { seedFrom } from './cli-inputs.js';
import { SHAPES } from './sandbox/shapes.js';

const USAGE = `usage: npm run emulators -- [--seed <file>] [--shape direct|buffered]

Starts the ECS, RAM, MNS, FC (running the built function) and EventBridge emulators on 127.0.0.1, wired as s.yaml
declares, seeds ECS, prints every endpoint and the AccessKey pair they accept as one JSON line, and runs until
interrupted.

  --seed <file>      the starting world (JSON, the design's seed format); default local/examples/seed.json
  --shape <shape>    how events reach the function: direct (default) or buffered
  ${BUILD_FLAG_HELP}

Exit status: 0 when stopped (Ctrl-C, SIGTERM), 1 failure, 2 usage error.
Paths are relative to the directory you ran npm from.`;

const cli: Cli = createCli('emulators', USAGE);

async function main(): Promise<undefined> {
  const { values } = cli.parse({
    seed: { type: 'string' },
    shape: { type: 'string', default: 'direct' },
    build: { type: 'boolean', default: false },
  });
  const shape = cli.choice('shape', values.shape, SHAPES);
  const seed = await seedFrom(cli, values.seed);
  if (values.build) buildFirst();
  // Loaded once the arguments are known to be good: --help and usage errors answer at once.
  const { startSandbox } = await import('./sandbox/sandbox.js');
  const sandbox = await startSandbox({ seed, shape });
  process.stdout.write(`${JSON.stringify(sandbox.endpoints())}\n`);
  const stop = () => void sandbox.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return undefined;
}

await cli.run(main);
