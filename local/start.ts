/**
 * `npm start [-- --scenario <file>] [--shape direct|buffered] [--serve]`
 *
 * Boots the whole system on 127.0.0.1 as s.yaml declares it (ECS, MNS, FC and EventBridge emulators, the built
 * function), runs a scenario, shows progress, and ends with a report; exit code 1 if an expectation failed.
 * `--serve` keeps everything up afterwards and prints every endpoint as one JSON line.
 */
import { BUILD_FLAG_HELP, buildFirst } from '../tools/cli/build-first.js';
import { type Cli, createCli } from '../tools/cli.js';
import { scenarioFrom } from './cli-inputs.js';
import { checkExpectations, formatProgress, formatReport, wrapText } from './sandbox/report.js';
import { SHAPES } from './sandbox/shapes.js';

const USAGE = `usage: npm start -- [--scenario <file>] [--shape direct|buffered] [--serve]

Boots ECS, MNS, FC and EventBridge emulators on 127.0.0.1 wired as s.yaml declares, runs a scenario against the
built function with live progress, and ends with a report and whether each expectation held.

  --scenario <file>  the scenario (format: local/README.md); default local/scenarios/default.yaml
  --shape <shape>    how events reach the function: direct (default) or buffered
  --serve            keep the stack up afterwards and print every endpoint as one JSON line
  ${BUILD_FLAG_HELP}

Exit status: 0 every expectation held, 1 one did not (or the run failed), 2 usage error.
Paths are relative to the directory you ran npm from.`;

const cli: Cli = createCli('start', USAGE);

async function main(): Promise<number | undefined> {
  const { values } = cli.parse({
    scenario: { type: 'string' },
    shape: { type: 'string', default: 'direct' },
    serve: { type: 'boolean', default: false },
    build: { type: 'boolean', default: false },
  });
  const shape = cli.choice('shape', values.shape, SHAPES);
  const scenario = await scenarioFrom(cli, values.scenario);
  if (values.build) buildFirst();
  // Loaded once the arguments are known to be good: --help and usage errors answer at once.
  const { runScenario } = await import('./sandbox/run-scenario.js');

  const out = process.stdout;
  const tty = out.isTTY === true;
  const width = () => (tty ? out.columns : undefined) ?? 80;
  const heading = `Running scenario "${scenario.name}" (${shape} shape)${scenario.description ? `: ${scenario.description.trim()}` : ''}`;
  out.write(`${wrapText(heading, width()).join('\n')}\n`);
  let lastPrint = 0;
  const result = await runScenario(scenario, {
    shape,
    keepOpen: values.serve,
    onProgress: (p) => {
      if (tty) {
        out.write(`\r\x1b[2K${formatProgress(p, width())}`);
      } else if (Date.now() - lastPrint >= 1000) {
        lastPrint = Date.now();
        out.write(`${formatProgress(p)}\n`);
      }
    },
  });
  if (tty) out.write('\n');
  const checks = checkExpectations(result);
  out.write(formatReport(result, checks));
  const status = checks.some((c) => !c.ok) ? 1 : 0;
  if (values.serve && result.sandbox) {
    out.write(`${JSON.stringify(result.sandbox.endpoints())}\n`);
    process.stderr.write('serving; press Ctrl-C to stop\n');
    const sandbox = result.sandbox;
    process.once('SIGINT', () => void sandbox.close().then(() => process.exit(status)));
    return undefined;
  }
  return status;
}

await cli.run(main);
