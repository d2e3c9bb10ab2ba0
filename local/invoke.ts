/**
 * `npm run invoke -- --event <file> [--seed <file>] [--policy <file>] [--state] [--dead-letters] [--region R]
 *                    [--timeout S]`
 *
 * Starts the ECS and MNS emulators on 127.0.0.1, seeds them, invokes the attach-role handler once as FC would
 * (the event as a Buffer, a realistic context with STS keys, the function's environment variables passed
 * through), and prints the summary as one JSON line, last on stdout. `--state` first prints the emulator's final
 * instance→role map as one JSON line, `--dead-letters` the dead-letter records the invocation wrote (otherwise
 * they are listed on stderr). The function's own log lines go to stderr.
 */
import { positiveInteger, REGION_ALLOWED, regionCheck } from '../tools/cli/flag-checks.js';
import { type Cli, createCli } from '../tools/cli.js';
import { eventFrom, policyFrom, seedFrom } from './cli-inputs.js';
import { deadLetterNotes, deadLettersLine, type Invocation, summaryLine } from './invoke-output.js';

const USAGE = `usage: npm run invoke -- --event <file> [--seed <file>] [--policy <file>] [--state] [--dead-letters] [--region <id>] [--timeout <seconds>]

Invokes the attach-role handler (from source) once, as FC would, against fresh ECS and MNS emulators seeded with
--seed. Its environment variables (README, "Configuration": MAX_ATTEMPTS, LOG_LEVEL, …) are passed through;
the stack sets the endpoints and the dead-letter queue itself. The summary is the last line on stdout; the
function's logs and the dead-letter records it wrote go to stderr. Examples: local/examples/.

  --event <file>      the event, as EventBridge or an MNS trigger would deliver it (local/examples/event.json)
  --seed <file>       the starting world (JSON); default local/examples/seed.json
  --policy <file>     the tag policy; default $POLICY_FILE, else the repository's policy.yaml
  --state             print the instance→role map afterwards as one JSON line, before the summary
  --dead-letters      print the dead-letter records as one JSON line (a list) on stdout, before the summary
  --region <id>       the function's own region (events without one use it); default cn-hangzhou
  --timeout <seconds> the function's timeout (context.function.timeout); default 60

Exit status: 0 the invocation returned, 1 it failed, 2 usage error.
Paths are relative to the directory you ran npm from.`;

const cli: Cli = createCli('invoke', USAGE);

async function main(): Promise<number> {
  const { values } = cli.parse({
    event: { type: 'string' },
    seed: { type: 'string' },
    policy: { type: 'string', default: process.env.POLICY_FILE },
    state: { type: 'boolean', default: false },
    'dead-letters': { type: 'boolean', default: false },
    region: { type: 'string', default: 'cn-hangzhou' },
    timeout: { type: 'string', default: '60' },
  });
  const region = cli.want('region', values.region, REGION_ALLOWED, regionCheck);
  const timeoutSeconds = Number(cli.want('timeout', values.timeout, 'whole seconds', positiveInteger));
  const event = await eventFrom(cli, values.event);
  const seed = await seedFrom(cli, values.seed);
  const policyFile = await policyFrom(cli, values.policy);
  // Loaded once the arguments are known to be good: --help and usage errors answer at once.
  const { coldStart } = await import('../shared/attach/cold-start.js');
  const { passedThrough, startLocalStack } = await import('./local-stack.js');
  const inherited = passedThrough(process.env);
  for (const name of inherited.ignored)
    process.stderr.write(`invoke: ${name} is not passed through: the local stack sets it to its emulators\n`);

  const stack = await startLocalStack({ seed, region });
  try {
    const handler = await coldStart(stack.env({ POLICY_FILE: policyFile }, process.env), {
      logDestination: { write: (line) => void process.stderr.write(line) },
    });
    const summary = await handler(event, stack.context({ timeoutSeconds }));
    const invocation: Invocation = { summary, deadLetters: stack.deadLetterMessages() };
    if (values['dead-letters']) {
      process.stdout.write(`${deadLettersLine(invocation)}\n`);
    } else {
      for (const note of deadLetterNotes(invocation)) process.stderr.write(`${note}\n`);
    }
    if (values.state) process.stdout.write(`${JSON.stringify(stack.ecs.state.roleAssignments())}\n`);
    process.stdout.write(`${summaryLine(invocation)}\n`);
  } finally {
    await stack.close();
  }
  return 0;
}

await cli.run(main);
