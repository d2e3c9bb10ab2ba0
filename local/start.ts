/**
 * `npm start [-- --scenario <file>] [--shape direct|buffered] [--serve]`
 *
 * Boots the whole system on 127.0.0.1 as s.yaml declares it (ECS, MNS, FC and EventBridge emulators, the built
 * function), runs a scenario, shows progress, and ends with a report; exit code 1 if an expectation failed.
 * `--serve` keeps everything up afterwards and prints every endpoint as one JSON line.
 */
import { parseArgs } from 'node:util';
import { checkExpectations, formatProgress, formatReport } from './sandbox/report.js';
import { runScenario } from './sandbox/run-scenario.js';
import { readScenario } from './sandbox/scenario.js';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      scenario: { type: 'string', default: 'local/scenarios/default.yaml' },
      shape: { type: 'string', default: 'direct' },
      serve: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log('usage: npm start -- [--scenario <file>] [--shape direct|buffered] [--serve]');
    return;
  }
  if (values.shape !== 'direct' && values.shape !== 'buffered')
    throw new Error(`--shape: direct or buffered, not ${values.shape}`);
  const scenario = readScenario(values.scenario);
  const tty = process.stdout.isTTY === true;
  let lastPrint = 0;
  console.log(
    `Running scenario "${scenario.name}" (${values.shape} shape)${scenario.description ? `: ${scenario.description.trim()}` : ''}`,
  );
  const result = await runScenario(scenario, {
    shape: values.shape,
    keepOpen: values.serve,
    onProgress: (p) => {
      if (tty) {
        process.stdout.write(`\r\x1b[2K${formatProgress(p)}`);
      } else if (Date.now() - lastPrint >= 1000) {
        lastPrint = Date.now();
        console.log(formatProgress(p));
      }
    },
  });
  if (tty) process.stdout.write('\n');
  const checks = checkExpectations(result);
  process.stdout.write(formatReport(result, checks));
  const failed = checks.some((c) => !c.ok);
  if (values.serve && result.sandbox) {
    console.log(JSON.stringify(result.sandbox.endpoints()));
    console.error('serving; press Ctrl-C to stop');
    const sandbox = result.sandbox;
    process.once('SIGINT', () => void sandbox.close().then(() => process.exit(failed ? 1 : 0)));
    return;
  }
  process.exitCode = failed ? 1 : 0;
}

main().catch((error: unknown) => {
  console.error(`sandbox failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
});
