/**
 * `npm run bench`'s arguments, parsed in this one place: add a flag to BENCH_OPTIONS, its line to BENCH_USAGE
 * and its field to BenchArgs.
 */
import { BUILD_FLAG_HELP } from '../tools/cli/build-first.js';
import { type Cli, createCli } from '../tools/cli.js';

export const BENCH_USAGE = `usage: npm run bench -- [--quick] [--skip-burst]

Prints the attach-role function's cost figures, each beside a baseline measured in the same run (README,
"Benchmarks"), as a Markdown table on stdout; progress goes to stderr.

  --quick            everything but the burst, with fewer cold-start and memory samples and chaos on 2,000
                     (buffered) and 200 (direct) instances instead of 10,000 (about a minute)
  --skip-burst       leave out the burst benchmark (5,000 instances in both shapes; the slow part)
  ${BUILD_FLAG_HELP}

Exit status: 0 the figures were measured (a missed target is a "NO" in the table), 1 failure, 2 usage error.`;

const BENCH_OPTIONS = {
  'skip-burst': { type: 'boolean', default: false },
  quick: { type: 'boolean', default: false },
  build: { type: 'boolean', default: false },
} as const;

export interface BenchArgs {
  skipBurst: boolean;
  quick: boolean;
  /** Build dist/ first (what `npm run bench` passes). */
  build: boolean;
}

export const benchCli: Cli = createCli('bench', BENCH_USAGE);

/** The bench's flags; `--help` and a usage error end the process here (exit 0 and 2), before any build. */
export function parseBenchArgs(cli: Cli = benchCli, args?: string[]): BenchArgs {
  const { values } = cli.parse(BENCH_OPTIONS, args === undefined ? {} : { args });
  return { skipBurst: values['skip-burst'], quick: values.quick, build: values.build };
}
