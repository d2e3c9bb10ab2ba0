/**
 * One attach-role invocation in a process of its own, for its peak memory (`bench/memory.ts`): cold start, the
 * event from `BENCH_EVENT_FILE` with the FC context from `BENCH_CONTEXT_FILE`, then the peak resident set size
 * as one JSON line on stdout. Bundled like the function, so what it measures is what FC would run.
 */
import { readFileSync } from 'node:fs';
import { coldStart } from '../../shared/attach/cold-start.js';

const eventFile = process.env.BENCH_EVENT_FILE;
const contextFile = process.env.BENCH_CONTEXT_FILE;
if (eventFile === undefined || contextFile === undefined) {
  throw new Error('BENCH_EVENT_FILE and BENCH_CONTEXT_FILE are required');
}
const handler = await coldStart(process.env, { logDestination: { write: () => undefined } });
const r1 = process.memoryUsage().rss;
const buf = readFileSync(eventFile);
const r2 = process.memoryUsage().rss;
let peak = 0;
const iv = setInterval(() => {
  const m = process.memoryUsage();
  peak = Math.max(peak, m.heapUsed);
}, 5);
const summary = await handler(buf, JSON.parse(readFileSync(contextFile, 'utf8')));
// resourceUsage().maxRSS is in kilobytes (getrusage's ru_maxrss on Linux).
clearInterval(iv);
process.stdout.write(
  `${JSON.stringify({ maxRssBytes: process.resourceUsage().maxRSS * 1024, counts: summary.counts, r1, r2, peakHeap: peak })}\n`,
);
