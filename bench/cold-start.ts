/**
 * Cold start figures: what each bundle loads at start, and how long importing it takes in a fresh Node process,
 * split by phase. Our function and the naive baseline are bundled with the same options (`functionBundle`), so the
 * difference is the code, not the build.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { type BundleFiles, bundleFiles } from '../tools/build/bundle-files.js';
import { deferredBundles, functionBundle } from '../tools/build/bundle-options.js';

export const OURS_DIR = resolve('dist/attach-role');
/** Where the bench builds the naive baseline (a code directory the sandbox can run, like `dist/attach-role`). */
export const NAIVE_DIR = resolve('dist/bench-naive');

/** Bundles `entry` into `outdir` as `npm run build` bundles a function; what it loads at start and on demand. */
export async function bundleLikeAFunction(entry: string, outdir: string): Promise<BundleFiles> {
  rmSync(outdir, { recursive: true, force: true });
  const options = functionBundle(entry, outdir);
  const result = await build({ ...options, write: true });
  for (const deferred of deferredBundles(outdir)) await build({ ...deferred, write: true });
  return bundleFiles(result.metafile);
}

export interface Bundles {
  ours: BundleFiles;
  naive: BundleFiles;
  /** The two cold starts with a clock at each phase (`bench/probes/`), in code directories of their own. */
  probes: { ours: string; naive: string };
  close(): void;
}

/**
 * Builds the naive baseline (with the policy beside it) and both probes. Ours runs from what `npm run build`
 * made; it is bundled once more, aside, for its metafile.
 */
export async function buildBundles(): Promise<Bundles> {
  const scratch = mkdtempSync(join(tmpdir(), 'bench-bundles-'));
  const ours = await bundleLikeAFunction('functions/attach-role/index.ts', join(scratch, 'ours-again'));
  const naive = await bundleLikeAFunction('bench/naive/index.ts', NAIVE_DIR);
  copyFileSync('policy.yaml', join(NAIVE_DIR, 'policy.yaml'));
  // attach-role is deployed on a custom runtime (s.yaml), whose server.mjs imports the code directory's
  // index.mjs: without it the naive code never starts (every invocation an InitializationError).
  copyFileSync(join(OURS_DIR, 'server.mjs'), join(NAIVE_DIR, 'server.mjs'));
  await bundleLikeAFunction('bench/probes/attach-role.ts', join(scratch, 'ours'));
  await bundleLikeAFunction('bench/probes/naive.ts', join(scratch, 'naive'));
  return {
    ours,
    naive,
    probes: { ours: join(scratch, 'ours', 'index.mjs'), naive: join(scratch, 'naive', 'index.mjs') },
    close: () => rmSync(scratch, { recursive: true, force: true }),
  };
}

export interface ImportSample {
  /** From `import()` to the probe's first statement: reading, parsing and evaluating the modules. */
  evaluate: number;
  config: number;
  policy: number;
  /** Wiring the clients and the handler. */
  wire: number;
  total: number;
}

const ms = (ns: bigint) => Number(ns) / 1e6;

/** One fresh process importing `code` (an ES module body); its stdout is one JSON line. */
function inFreshProcess(code: string, env: NodeJS.ProcessEnv): unknown {
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', code], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
  return JSON.parse(out.trim().split('\n').pop() ?? 'null');
}

/** One import in a fresh process: wall-clock milliseconds, and the CPU milliseconds (user + system) it used. */
export interface ImportTime {
  wall: number;
  cpu: number;
}

/**
 * How long `import()` of a file, or of the SDK packages unbundled, takes in a fresh process. The CPU time is
 * what the import itself computed: unlike the wall clock, it barely moves when other processes share the CPUs.
 */
export function importTime(target: string | readonly string[], env: NodeJS.ProcessEnv): ImportTime {
  const specifiers = typeof target === 'string' ? [pathToFileURL(target).href] : target;
  const imports = specifiers.map((s) => `await import(${JSON.stringify(s)});`).join(' ');
  const code = `const c = process.cpuUsage(); const t = process.hrtime.bigint(); ${imports}
const wall = Number(process.hrtime.bigint() - t) / 1e6; const u = process.cpuUsage(c);
console.log(JSON.stringify({ wall, cpu: (u.user + u.system) / 1000 }));`;
  return inFreshProcess(code, env) as ImportTime;
}

/** A probe's import, split at its phase clocks. */
export function probeSample(probe: string, env: NodeJS.ProcessEnv): ImportSample {
  const code = `const t0 = process.hrtime.bigint();
const { timing } = await import(${JSON.stringify(pathToFileURL(probe).href)});
const t1 = process.hrtime.bigint();
console.log(JSON.stringify({ t0: String(t0), t1: String(t1), ...Object.fromEntries(Object.entries(timing).map(([k, v]) => [k, String(v)])) }));`;
  const raw = inFreshProcess(code, env) as Record<string, string>;
  const at = (key: string) => {
    const value = raw[key];
    if (value === undefined) throw new Error(`probe ${probe} did not report ${key}`);
    return BigInt(value);
  };
  return {
    evaluate: ms(at('evaluated') - at('t0')),
    config: ms(at('config') - at('evaluated')),
    policy: ms(at('policy') - at('config')),
    wire: ms(at('ready') - at('policy')),
    total: ms(at('t1') - at('t0')),
  };
}

export const median = (xs: readonly number[]) =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

/**
 * The median of the round-by-round ratios `ours[i] / baseline[i]`. Each round measures both within a second or
 * so, so a change of machine load between rounds moves numerator and denominator together.
 */
export const medianRatio = (ours: readonly number[], baseline: readonly number[]) =>
  median(ours.map((o, i) => o / (baseline[i] ?? Number.NaN)));

/** The environment each function starts with in the bench (no network is touched at cold start). */
export const coldStartEnv = (codeDir: string): NodeJS.ProcessEnv => ({
  DEAD_LETTER_QUEUE: 'bench',
  FC_FUNC_CODE_PATH: codeDir,
  LOG_LEVEL: 'silent',
});

/** The unbundled SDKs the bundle stands in for (sdk-wire.md §7's baseline). */
export const UNBUNDLED_SDKS = [
  '@alicloud/ecs20140526',
  '@alicloud/mns',
  '@alicloud/credentials',
  'pino',
] as const;
