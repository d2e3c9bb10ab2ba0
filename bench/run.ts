/**
 * `npm run bench [-- --quick]`: the attach-role function's cost figures, each printed beside a baseline measured
 * in the same run, so the ratios hold whatever the machine. The baseline is the naive handler (`bench/naive/`)
 * wherever it does the same work; targets come from the issues that asked for the figures. `--quick` runs
 * everything but the burst. The output is the table `BENCHMARKS.md` keeps.
 */

import { readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { startLocalStack } from '../local/local-stack.js';
import { parseSeed } from '../local/seed.js';
import { coldStart } from '../shared/attach/cold-start.js';
import { decodeEvent } from '../shared/events/decode-event.js';
import type { FcContext } from '../shared/fc/fc-context.js';
import { decide } from '../shared/policy/decide.js';
import { loadPolicy } from '../shared/policy/load-policy.js';
import { totalBytes } from '../tools/build/bundle-files.js';
import { buildFirst } from '../tools/cli/build-first.js';
import { benchCli, parseBenchArgs } from './bench-args.js';
import { BURST, type BurstFigures, runBurst } from './burst.js';
import {
  type Bundles,
  buildBundles,
  coldStartEnv,
  type ImportSample,
  importMs,
  median,
  NAIVE_DIR,
  OURS_DIR,
  probeSample,
  UNBUNDLED_SDKS,
} from './cold-start.js';
import { naiveColdStart } from './naive/naive-handler.js';

const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
const mb = (bytes: number) => `${fmt(bytes / 1024 ** 2, 2)} MB`;

interface Row {
  figure: string;
  value: string;
  baseline: string;
  ratio: number;
  target: string;
  ok: boolean;
  command: string;
}
const rows: Row[] = [];
let command = 'npm run bench';
const startedAt = Date.now();

function row(r: Omit<Row, 'command'>): void {
  rows.push({ ...r, command });
  const at = fmt((Date.now() - startedAt) / 1000);
  console.error(`  [${at} s] ${r.figure}: ${r.value} (baseline ${r.baseline}, ratio ${fmt(r.ratio, 3)})`);
}

/** What each bundle parses at cold start (its entry and the chunks it imports statically). */
function bundleSizes(bundles: Bundles): void {
  const ours = totalBytes(bundles.ours.atStart);
  const naive = totalBytes(bundles.naive.atStart);
  row({
    figure: 'bundle loaded at cold start',
    value: `${mb(ours)} (${bundles.ours.atStart.length} files; ${mb(totalBytes(bundles.ours.onDemand))} more on demand)`,
    baseline: `${mb(naive)} naive bundle`,
    ratio: ours / naive,
    target: '≤ 1 MB',
    ok: ours <= 1024 ** 2,
  });
}

/** Median import times, each sample a fresh Node process, the five targets alternating round by round. */
function coldStarts(bundles: Bundles, rounds: number): void {
  const ourEnv = coldStartEnv(OURS_DIR);
  const naiveEnv = coldStartEnv(NAIVE_DIR);
  const samples = { ours: [] as number[], naive: [] as number[], sdks: [] as number[] };
  const phases = { ours: [] as ImportSample[], naive: [] as ImportSample[] };
  const round = () => {
    samples.ours.push(importMs(resolve(OURS_DIR, 'index.mjs'), ourEnv));
    samples.naive.push(importMs(resolve(NAIVE_DIR, 'index.mjs'), naiveEnv));
    samples.sdks.push(importMs(UNBUNDLED_SDKS, ourEnv));
    phases.ours.push(probeSample(bundles.probes.ours, ourEnv));
    phases.naive.push(probeSample(bundles.probes.naive, naiveEnv));
  };
  importMs(UNBUNDLED_SDKS, ourEnv); // warms the file cache (the bundles were just written); not counted
  for (let i = 0; i < rounds; i++) round();

  const ours = median(samples.ours);
  const naive = median(samples.naive);
  const sdks = median(samples.sdks);
  row({
    figure: 'cold start: import of the bundled handler',
    value: `${fmt(ours)} ms`,
    baseline: `${fmt(sdks)} ms to import ${UNBUNDLED_SDKS.join(' + ')} unbundled`,
    ratio: ours / sdks,
    target: '≤ 0.10',
    ok: ours / sdks <= 0.1,
  });
  row({
    figure: 'cold start, against the naive handler',
    value: `${fmt(ours)} ms`,
    baseline: `${fmt(naive)} ms naive bundle`,
    ratio: ours / naive,
    target: 'report',
    ok: true,
  });
  const phase = (key: keyof ImportSample, what: string) => {
    const o = median(phases.ours.map((s) => s[key]));
    const n = median(phases.naive.map((s) => s[key]));
    row({
      figure: `cold start phase: ${what}`,
      value: `${fmt(o, 2)} ms`,
      baseline: `${fmt(n, 2)} ms naive`,
      ratio: o / n,
      target: 'report',
      ok: true,
    });
  };
  phase('evaluate', 'parse + evaluate the bundle');
  phase('config', 'config (environment)');
  phase('policy', 'policy (read + validate)');
  phase('wire', 'wire clients and handler');
}

const ROLES = ['EcsPaymentsRole', 'EcsAppRole', 'EcsBuildAgentRole'] as const;
const tagsFor = (i: number): Record<string, string> =>
  i % 3 === 0
    ? { team: 'payments', env: 'prod' }
    : i % 3 === 1
      ? { team: 'web', 'ram-role': 'EcsAppRole' }
      : { team: 'ci', app: 'build-agent' };
const idOf = (i: number) => `i-bp1b${String(i).padStart(16, '0')}`;
const stateChange = (id: string) => ({
  id: `evt-${id}`,
  source: 'acs.ecs',
  specversion: '1.0',
  type: 'ecs:Instance:StateChange',
  subject: `acs:ecs:cn-hangzhou:1234567890123456:instance/${id}`,
  aliyunregionid: 'cn-hangzhou',
  aliyunaccountid: '1234567890123456',
  data: { resourceId: id, resourceType: 'ALIYUN::ECS::Instance', state: 'Pending' },
});

/** ECS calls for 1,000 new instances across three roles in one batched event: ours, then the naive handler's. */
async function callsPerThousand(): Promise<void> {
  const n = 1_000;
  const event = Buffer.from(JSON.stringify(Array.from({ length: n }, (_, i) => stateChange(idOf(i)))));
  const run = async (
    handlerFor: (env: NodeJS.ProcessEnv) => Promise<(e: Buffer, c: FcContext) => unknown>,
  ) => {
    const seed = parseSeed({
      accountId: '1234567890123456',
      roles: ROLES.map((name) => ({ name, trustsEcs: true })),
      instances: Array.from({ length: n }, (_, i) => ({
        id: idOf(i),
        region: 'cn-hangzhou',
        tags: tagsFor(i),
      })),
    });
    const stack = await startLocalStack({ seed });
    try {
      const handler = await handlerFor(
        stack.env({ POLICY_FILE: resolve('policy.yaml'), LOG_LEVEL: 'silent' }),
      );
      await handler(event, stack.context());
      const attached = stack.ecs.state.instances().filter((i) => i.role !== null).length;
      if (attached !== n) throw new Error(`expected ${n} instances with a role, got ${attached}`);
      return {
        calls: stack.calls.records.filter((r) => r.service === 'ecs').length,
        byAction: JSON.stringify(stack.calls.byAction('ecs')),
      };
    } finally {
      await stack.close();
    }
  };
  // Counts, not times: the two run side by side, each against emulators of its own.
  const [ours, naive] = await Promise.all([
    run((env) => coldStart(env, { logDestination: { write: () => undefined } })),
    run(async (env) => naiveColdStart(env)),
  ]);
  row({
    figure: 'ECS calls per 1,000 instances, 3 roles, one batched event',
    value: `${ours.calls} ${ours.byAction}`,
    baseline: `${naive.calls} naive ${naive.byAction}`,
    ratio: ours.calls / naive.calls,
    target: '≤ 42 calls',
    ok: ours.calls <= 42,
  });
}

/**
 * CPU time per instance for decode + decide with a 200-rule policy whose matching rules are last. The naive
 * handler runs the same decoder and `decide`, so the baseline is `JSON.parse` of the same event.
 */
function decodeDecideCpu(): void {
  const n = 1_000;
  const filler = Array.from(
    { length: 197 },
    (_, i) =>
      `  - name: filler-${i}\n    when: { tags: { team: "team-${i}", app: "svc-${i}-*" }, regions: [cn-hangzhou] }\n    role: EcsAppRole\n`,
  ).join('');
  const policyText = readFileSync('policy.yaml', 'utf8').replace(/^rules:.*\n/m, (m) => m + filler);
  const { policy } = loadPolicy(policyText);
  if (policy.rules.length < 200) throw new Error(`policy has ${policy.rules.length} rules`);
  const tags = Array.from({ length: n }, (_, i) => tagsFor(i));
  const event = Buffer.from(JSON.stringify(Array.from({ length: n }, (_, i) => stateChange(idOf(i)))));

  const cpuMs = (work: () => void) => {
    const start = process.cpuUsage();
    work();
    const used = process.cpuUsage(start);
    return (used.user + used.system) / 1000;
  };
  const ours: number[] = [];
  const parseOnly: number[] = [];
  for (let round = 0; round < 25; round++) {
    ours.push(
      cpuMs(() => {
        const decoded = decodeEvent(event, { defaultRegionId: 'cn-hangzhou' });
        decoded.refs.forEach((ref, i) => {
          decide(policy, { instanceId: ref.instanceId, regionId: ref.regionId, tags: tags[i] ?? {} });
        });
      }),
    );
    parseOnly.push(cpuMs(() => JSON.parse(event.toString('utf8'))));
  }
  const perInstance = median(ours) / n;
  const baseline = median(parseOnly) / n;
  row({
    figure: 'decode + decide CPU per instance (200 rules)',
    value: `${fmt(perInstance * 1000, 1)} µs`,
    baseline: `${fmt(baseline * 1000, 1)} µs to JSON.parse the same event`,
    ratio: perInstance / baseline,
    target: '≤ 0.2 ms',
    ok: perInstance <= 0.2,
  });
}

const converged = (f: BurstFigures) =>
  Number.isFinite(f.convergedAfter)
    ? `${fmt(f.convergedAfter)} s`
    : `never (${BURST.instances - f.attached} without a role at the end)`;

/** The burst scenario in both shapes, and the naive handler in the direct shape, on the same sandbox. */
async function burst(): Promise<void> {
  const what = `${BURST.instances} instances, ${BURST.ratePerSecond} calls/s per action`;
  const run = async (label: string, shape: 'buffered' | 'direct', minutes: string, codeDir?: string) => {
    console.error(`  burst, ${label}: running (about ${minutes})…`);
    return runBurst(shape, 900, codeDir === undefined ? {} : { attachRoleCodeDir: codeDir });
  };
  const buffered = await run('buffered shape', 'buffered', '20 s');
  const direct = await run('direct shape', 'direct', '5 minutes');
  const naive = await run('naive handler (direct shape)', 'direct', '10 minutes', NAIVE_DIR);
  const naiveCalls = naive.ecsCallsPerInstance;
  const naiveConverged = Number.isFinite(naive.convergedAfter) ? naive.convergedAfter : Number.NaN;

  const bounds = { buffered: 1.1, direct: 2 } as const;
  for (const [shape, f] of [
    ['buffered', buffered],
    ['direct', direct],
  ] as const) {
    const ratio = f.convergedAfter / f.lowerBound;
    row({
      figure: `burst ${what}, ${shape}: all roles attached after`,
      value: converged(f),
      baseline: `${fmt(f.lowerBound)} s lower bound (last launch / ${f.busiestAction} calls ÷ rate)`,
      ratio,
      target: `≤ ${bounds[shape]}× the bound`,
      ok: ratio <= bounds[shape],
    });
  }
  for (const [shape, f] of [
    ['buffered', buffered],
    ['direct', direct],
  ] as const) {
    row({
      figure: `burst, ${shape}: all roles attached after, against the naive handler`,
      value: converged(f),
      baseline: `${converged(naive)} naive`,
      ratio: f.convergedAfter / naiveConverged,
      target: 'report',
      ok: true,
    });
    row({
      figure: `burst, ${shape}: ECS calls per instance`,
      value: fmt(f.ecsCallsPerInstance, 3),
      baseline: `${fmt(naiveCalls, 3)} naive`,
      ratio: f.ecsCallsPerInstance / naiveCalls,
      target: shape === 'direct' ? '≤ 0.3' : 'report',
      ok: shape === 'direct' ? f.ecsCallsPerInstance <= 0.3 : true,
    });
    const share = throttledShare(f);
    row({
      figure: `burst, ${shape}: throttled ECS calls`,
      value: `${f.result.throttled} (${fmt(share * 100)} % of all ECS calls)`,
      baseline: `${naive.result.throttled} naive (${fmt(throttledShare(naive) * 100)} %)`,
      ratio: f.result.throttled / naive.result.throttled,
      target: shape === 'direct' ? '≤ 5 %' : 'report',
      ok: shape === 'direct' ? share <= 0.05 : true,
    });
    row({
      figure: `burst, ${shape}: instances lost`,
      value: `${f.lost} (${f.attached} attached, ${f.deadLettered} dead-lettered)`,
      baseline: `${naive.lost} naive (${naive.attached} attached, ${naive.deadLettered} dead-lettered)`,
      ratio: naive.lost === 0 ? (f.lost === 0 ? 1 : Number.POSITIVE_INFINITY) : f.lost / naive.lost,
      target: '0 lost',
      ok: f.lost === 0,
    });
  }
}

/** Throttled calls among all ECS calls made (those throttled included). */
function throttledShare(f: BurstFigures): number {
  const calls = Object.values(f.result.ecsCalls).reduce((a, b) => a + b, 0);
  return calls === 0 ? 0 : f.result.throttled / calls;
}

function machine(): string[] {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const load = loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
  return [
    `- ${cpus().length} CPUs (\`nproc\`), ${cpu}`,
    `- ${fmt(totalmem() / 1024 ** 3, 1)} GiB memory`,
    `- Node ${process.version}`,
    `- load average (1, 5, 15 min) at the end: ${load}`,
  ];
}

async function main(): Promise<void> {
  const args = parseBenchArgs();
  if (args.build) buildFirst();
  const quick = args.quick;
  if (quick) command = 'npm run bench -- --quick';
  console.error(
    `bench: Node ${process.version}, ${new Date().toISOString()}, load ${loadavg()[0]?.toFixed(2)}`,
  );
  const bundles = await buildBundles();
  try {
    bundleSizes(bundles);
    coldStarts(bundles, quick ? 5 : 9);
  } finally {
    bundles.close();
  }
  await callsPerThousand();
  decodeDecideCpu();
  if (!quick && !args.skipBurst) await burst();
  console.log(`\nMachine:\n${machine().join('\n')}\n`);
  console.log('| figure | ours | baseline (same run) | ratio | target | met | command |');
  console.log('|---|---|---|---|---|---|---|');
  for (const r of rows) {
    console.log(
      `| ${r.figure} | ${r.value} | ${r.baseline} | ${fmt(r.ratio, 3)} | ${r.target} | ${r.ok ? 'yes' : 'NO'} | \`${r.command}\` |`,
    );
  }
  console.error(`bench: ${fmt((Date.now() - startedAt) / 1000)} s`);
}

await benchCli.run(main);
