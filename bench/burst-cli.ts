/**
 * `npx tsx bench/burst-cli.ts [--shape direct|buffered]`: the burst benchmark alone, one shape, without the
 * naive baseline (which takes ten minutes): the figures BENCHMARKS.md keeps for the burst, as one JSON line.
 */
import { type Cli, createCli } from '../tools/cli.js';
import { BURST, runBurst, throttledShare } from './burst.js';

const USAGE = `usage: npx tsx bench/burst-cli.ts [--shape direct|buffered] [--build]

Runs the burst benchmark (${BURST.instances} instances in bursts of ${BURST.burstSize} over ${BURST.overSeconds} s, ${BURST.ratePerSecond} calls/s
per ECS action, FC allowed 50 instances) in one deployment shape (default direct) and prints its figures as one
JSON line on stdout: time to converge, its lower bound and their ratio, ECS calls per instance, throttled calls
and their share, instances lost. Run \`npm run build\` first (or pass --build).

Exit status: 0 measured, 1 failure, 2 usage error.`;

const cli: Cli = createCli('burst', USAGE);

await cli.run(async () => {
  const { values } = cli.parse({
    shape: { type: 'string', default: 'direct' },
    build: { type: 'boolean', default: false },
  });
  const shape = cli.choice('shape', values.shape, ['direct', 'buffered']);
  if (values.build) (await import('../tools/cli/build-first.js')).buildFirst();
  const f = await runBurst(shape, 900);
  console.log(
    JSON.stringify({
      shape,
      convergedAfterSeconds: f.convergedAfter,
      lowerBoundSeconds: f.lowerBound,
      ratio: f.convergedAfter / f.lowerBound,
      busiestAction: f.busiestAction,
      ecsCallsPerInstance: f.ecsCallsPerInstance,
      ecsCalls: f.result.ecsCalls,
      throttled: f.result.throttled,
      throttledShare: throttledShare(f),
      lost: f.lost,
      attached: f.attached,
      deadLettered: f.deadLettered,
    }),
  );
  return 0;
});
