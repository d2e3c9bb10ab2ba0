/**
 * `npm run invoke -- --event <file> [--seed <file>] [--policy <file>] [--state] [--region R] [--timeout S]`
 *
 * Starts the ECS and MNS emulators on 127.0.0.1, seeds them, invokes the attach-role handler once as FC would
 * (the event as a Buffer, a realistic context with STS keys), and prints the summary as one JSON line, last on
 * stdout. `--state` first prints the emulator's final instance→role map as one JSON line. The function's own
 * log lines go to stderr.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { coldStart } from '../shared/attach/cold-start.js';
import { startLocalStack } from './local-stack.js';
import { readSeed } from './seed.js';

const USAGE =
  'usage: npm run invoke -- --event <file> [--seed <file>] [--policy <file>] [--state] [--region <id>] [--timeout <seconds>]';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      event: { type: 'string' },
      seed: { type: 'string', default: 'local/examples/seed.json' },
      policy: { type: 'string', default: 'policy.yaml' },
      state: { type: 'boolean', default: false },
      region: { type: 'string', default: 'cn-hangzhou' },
      timeout: { type: 'string', default: '60' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help || values.event === undefined) {
    console.error(USAGE);
    process.exit(values.help ? 0 : 2);
  }
  const timeoutSeconds = Number(values.timeout);
  if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 1)
    throw new Error(`--timeout: expected whole seconds, got ${values.timeout}`);

  const event = await readFile(values.event);
  const stack = await startLocalStack({ seed: await readSeed(values.seed), region: values.region });
  try {
    const handler = await coldStart(stack.env({ POLICY_FILE: resolve(values.policy) }), {
      logDestination: { write: (line) => void process.stderr.write(line) },
    });
    const summary = await handler(event, stack.context({ timeoutSeconds }));
    if (values.state) console.log(JSON.stringify(stack.ecs.state.roleAssignments()));
    console.log(JSON.stringify(summary));
  } finally {
    await stack.close();
  }
}

main().catch((error: unknown) => {
  console.error(`invoke failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
