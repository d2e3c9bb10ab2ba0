/**
 * One attach-role invocation in a process of its own, for its peak memory (`bench/memory.ts`): cold start, the
 * event from `BENCH_EVENT_FILE` with the FC context from `BENCH_CONTEXT_FILE`, then the peak resident set size
 * and where the memory was at the end, as one JSON line on stdout. Bundled like the function, so what it measures
 * is what FC would run.
 */
import { readFileSync } from 'node:fs';
import { getHeapSpaceStatistics } from 'node:v8';
import { coldStart } from '../../shared/attach/cold-start.js';

const eventFile = process.env.BENCH_EVENT_FILE;
const contextFile = process.env.BENCH_CONTEXT_FILE;
if (eventFile === undefined || contextFile === undefined) {
  throw new Error('BENCH_EVENT_FILE and BENCH_CONTEXT_FILE are required');
}
const handler = await coldStart(process.env, { logDestination: { write: () => undefined } });
const coldRssBytes = process.memoryUsage().rss;
const summary = await handler(readFileSync(eventFile), JSON.parse(readFileSync(contextFile, 'utf8')));
const spaces = Object.fromEntries(getHeapSpaceStatistics().map((s) => [s.space_name, s.physical_space_size]));
const { rss, external } = process.memoryUsage();
process.stdout.write(
  `${JSON.stringify({
    // resourceUsage().maxRSS is in kilobytes (getrusage's ru_maxrss on Linux).
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    coldRssBytes,
    end: {
      rss,
      newSpace: spaces.new_space ?? 0,
      oldSpace: spaces.old_space ?? 0,
      largeObjects: spaces.large_object_space ?? 0,
      code: spaces.code_space ?? 0,
      external,
    },
    counts: summary.counts,
  })}\n`,
);
