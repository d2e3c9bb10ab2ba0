import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { build, type Metafile, type Plugin } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { bundleFiles, totalBytes } from '../../../tools/build/bundle-files.js';
import {
  defer,
  deferredBundles,
  functionBundle,
  LEFT_OUT,
  leaveOut,
  leftOutMessage,
  serverBundle,
} from '../../../tools/build/bundle-options.js';

// What the attach-role bundle makes FC parse at cold start (sizes, not times: no timed assertions here).

const scratch = mkdtempSync(join(tmpdir(), 'bundle-test-'));
const run = promisify(execFile);

async function bundle(entry: string, name: string): Promise<Metafile> {
  const result = await build(functionBundle(entry, join(scratch, name)));
  return result.metafile;
}

/** The packages (and our source folders) whose code lands in the given output files. */
function packagesIn(metafile: Metafile, files: readonly string[]): Set<string> {
  const packages = new Set<string>();
  for (const [path, output] of Object.entries(metafile.outputs)) {
    if (!files.some((file) => path.endsWith(`/${file}`))) continue;
    for (const input of Object.keys(output.inputs)) {
      packages.add(/node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1] ?? input);
    }
  }
  return packages;
}

let attachRole: Metafile;
beforeAll(async () => {
  attachRole = await bundle('functions/attach-role/index.ts', 'attach-role');
});

describe('the attach-role bundle', () => {
  it('loads at most 1 MB at cold start', () => {
    const { atStart } = bundleFiles(attachRole);
    expect(totalBytes(atStart)).toBeLessThanOrEqual(1024 ** 2);
  });

  it('leaves out what FC never runs: WebSockets and their proxies, lodash, moment, xmlbuilder, pino transports', () => {
    const all = bundleFiles(attachRole);
    const bundled = packagesIn(
      attachRole,
      [...all.atStart, ...all.onDemand].map((f) => f.file),
    );
    for (const name of [
      'ws',
      'https-proxy-agent',
      'http-proxy-agent',
      'socks-proxy-agent',
      'lodash',
      'moment',
      'xmlbuilder',
      'thread-stream',
    ]) {
      expect(bundled, name).not.toContain(name);
    }
  });

  it('loads the MNS client and the YAML parser only on demand', () => {
    const { atStart, onDemand } = bundleFiles(attachRole);
    const start = packagesIn(
      attachRole,
      atStart.map((f) => f.file),
    );
    const later = packagesIn(
      attachRole,
      onDemand.map((f) => f.file),
    );
    // The validator and its schemas too: a cold start takes the policy the build validated (parsed-policy.ts).
    for (const name of [
      '@alicloud/mns',
      'yaml',
      'shared/policy/validate-policy.ts',
      'shared/policy/policy-schema.ts',
    ]) {
      expect(start, name).not.toContain(name);
      expect(later, name).toContain(name);
    }
    expect(start).toContain('@alicloud/openapi-core');
  });

  it('starts from its files when the policy is validated from the YAML (a lazy chunk loaded during the cold start)', async () => {
    const outdir = join(scratch, 'attach-role-yaml');
    await build({ ...functionBundle('functions/attach-role/index.ts', outdir), write: true });
    copyFileSync('policy.yaml', join(outdir, 'policy.yaml')); // and no policy.yaml.parsed.json beside it
    const code = `const m = await import(${JSON.stringify(pathToFileURL(join(outdir, 'index.mjs')).href)}); console.log(typeof m.handler);`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', code], {
      timeout: 20_000,
      env: {
        PATH: process.env.PATH ?? '',
        DEAD_LETTER_QUEUE: 'dlq',
        FC_FUNC_CODE_PATH: outdir,
        LOG_LEVEL: 'silent',
      },
    });
    expect(stdout.trim()).toBe('function');
  });

  it('loads its cold start from two files: the entry, and one chunk that every lazy chunk shares', () => {
    const { atStart, onDemand } = bundleFiles(attachRole);
    expect(atStart.map((f) => f.file)).toEqual(['index.mjs', expect.stringMatching(/^chunk-\w+\.mjs$/)]);
    expect(onDemand.length).toBeGreaterThan(3);
  });
});

describe('one start chunk', () => {
  // An entry whose cold start (root) shares one module with each of two lazy modules: esbuild alone puts each
  // shared module in a chunk of its own, all three loaded at start.
  const sources: Record<string, string> = {
    'entry.ts': `import { loadBoth, parts } from './root.js';
const [one, two] = await loadBoth(); // during the entry's top-level await, as a cold start loads the YAML parser
console.log(JSON.stringify({ same: one.seen === parts.a && two.seen === parts.b, loads: parts.a.loads + parts.b.loads }));`,
    'root.ts': `import { a } from './a.js';
import { b } from './b.js';
export const parts = { a, b };
export const loadBoth = () => Promise.all([import('./one.js'), import('./two.js')]);`,
    'a.ts': 'export const a = { loads: 0 };',
    'b.ts': 'export const b = { loads: 0 };',
    'one.ts': "import { a } from './a.js'; a.loads += 1; export const seen = a;",
    'two.ts': "import { b } from './b.js'; b.loads += 1; export const seen = b;",
  };
  const fixture = join(scratch, 'one-start-chunk');
  mkdirSync(fixture, { recursive: true });
  for (const [file, text] of Object.entries(sources)) writeFileSync(join(fixture, file), text);

  async function startFiles(name: string, plugins: (p: Plugin[]) => Plugin[]) {
    const outdir = join(scratch, name);
    const options = functionBundle(join(fixture, 'entry.ts'), outdir);
    const result = await build({ ...options, plugins: plugins(options.plugins ?? []), write: true });
    const { stdout } = await run(process.execPath, [join(outdir, 'index.mjs')], { timeout: 10_000 });
    return { atStart: bundleFiles(result.metafile).atStart.length, ran: JSON.parse(stdout) as unknown };
  }

  it('holds everything the entry loads at start, and each lazy module uses its modules, not copies', async () => {
    expect(await startFiles('one-start', (p) => p)).toEqual({ atStart: 2, ran: { same: true, loads: 2 } });
  });

  it('is what makes it one: without it, the same entry loads three files at start', async () => {
    const without = await startFiles('many-start', (p) =>
      p.filter((plugin) => plugin.name !== 'one-start-chunk'),
    );
    expect(without).toEqual({ atStart: 3, ran: { same: true, loads: 2 } });
  });
});

describe('the FC 3.0 invoker', () => {
  it("bundles InvokeFunction's model files, not the SDK's model barrel", async () => {
    const metafile = await bundle('shared/fc/fc-invoker.ts', 'fc-invoker');
    const fcFiles = Object.keys(metafile.inputs).filter((path) => path.includes('@alicloud/fc20230330/'));
    expect(fcFiles.length).toBeGreaterThan(0);
    expect(
      fcFiles.every((path) => /\/dist\/models\/InvokeFunction\w+\.js$/.test(path)),
      fcFiles.join('\n'),
    ).toBe(true);
  });
});

describe('a left-out module', () => {
  it('loads, and throws naming itself and why when anything calls it', async () => {
    const entry = join(scratch, 'uses-left-out.cjs');
    writeFileSync(
      entry,
      "const _ = require('lodash'); const moment = require('moment'); module.exports = { merge: () => _.merge({}, {}), date: () => moment(), construct: () => new moment() };",
    );
    const out = join(scratch, 'uses-left-out.bundle.cjs');
    await build({
      entryPoints: [entry],
      outfile: out,
      bundle: true,
      platform: 'node',
      plugins: [leaveOut()],
    });
    const loaded = createRequire(import.meta.url)(out) as Record<
      'merge' | 'date' | 'construct',
      () => unknown
    >;
    const lodash = LEFT_OUT.find((e) => e.request === 'lodash');
    const moment = LEFT_OUT.find((e) => e.request === 'moment');
    if (lodash === undefined || moment === undefined) throw new Error('lodash and moment are left out');
    expect(loaded.merge).toThrow(leftOutMessage(lodash));
    expect(loaded.date).toThrow(leftOutMessage(moment));
    expect(loaded.construct).toThrow(/moment is left out of this bundle \(.*docs\/cloud-facts\.md/);
  });
});

describe('an inert left-out module', () => {
  it("is httpx's debug: called at load, it does nothing, is never enabled, and returns itself", async () => {
    const httpx = createRequire(import.meta.url).resolve('httpx');
    const out = join(scratch, 'httpx.bundle.cjs');
    await build({
      entryPoints: [httpx],
      outfile: out,
      bundle: true,
      platform: 'node',
      plugins: [leaveOut()],
      logLevel: 'error',
      metafile: true,
    }).then((result) => {
      const inputs = Object.keys(result.metafile.inputs);
      expect(inputs.some((i) => /node_modules[/\\]debug[/\\]/.test(i))).toBe(false);
      expect(inputs).toContain('left-out:debug');
    });
    const loaded = createRequire(import.meta.url)(out) as { request?: unknown };
    expect(typeof loaded.request).toBe('function');
  });

  it('does nothing when called, returns itself, and is never enabled (no named exports, not even `enabled`)', async () => {
    const debug = LEFT_OUT.find((e) => e.request === 'debug');
    if (debug === undefined) throw new Error('debug is left out');
    const loaded = await bundleCjs(
      'uses-inert',
      "const trace = require('debug')('x:body'); module.exports = { trace: () => trace, enabled: () => trace.enabled, call: () => trace('%s', 1) };",
      [leaveOut([{ ...debug, from: /uses-inert\.cjs$/ }])],
    );
    const trace = loaded.trace?.();
    expect(typeof trace).toBe('function');
    expect(loaded.enabled?.()).toBeUndefined();
    expect(loaded.call?.()).toBe(trace);
  });
});

/** A package in the scratch directory that counts its evaluations on `globalThis`. */
function countingPackage(name: string, body: string): void {
  const dir = join(scratch, 'node_modules', name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'index.js'),
    `globalThis.${name.replace(/-/g, '_')} = (globalThis.${name.replace(/-/g, '_')} ?? 0) + 1;\n${body}`,
  );
}

const evaluations = (name: string) =>
  (globalThis as Record<string, unknown>)[name.replace(/-/g, '_')] as number | undefined;

async function bundleCjs(name: string, source: string, plugins: Parameters<typeof build>[0]['plugins']) {
  const entry = join(scratch, `${name}.cjs`);
  writeFileSync(entry, source);
  const out = join(scratch, `${name}.bundle.cjs`);
  await build({
    entryPoints: [entry],
    outfile: out,
    bundle: true,
    platform: 'node',
    plugins,
    logLevel: 'error',
  });
  return createRequire(import.meta.url)(out) as Record<string, () => unknown>;
}

describe('a deferred module', () => {
  it('is evaluated on the first read of an export, once, and then behaves as itself', async () => {
    countingPackage(
      'deferred-pkg',
      "Object.defineProperty(exports, '__esModule', { value: true }); exports.default = class Thing { hi() { return 'hi'; } }; exports.twice = (x) => 2 * x;",
    );
    // What TypeScript's CommonJS output does at the top of an SDK file: `__importStar(require(...))`.
    const loaded = await bundleCjs(
      'uses-deferred',
      `const star = (m) => (m && m.__esModule ? m : { default: m });
const pkg = star(require('deferred-pkg'));
module.exports = { make: () => new pkg.default().hi(), twice: () => pkg.twice(21), keys: () => Object.keys(pkg) };`,
      [defer([{ request: 'deferred-pkg', from: /uses-deferred\.cjs$/, why: 'test' }])],
    );
    // The build itself loads the package once, for its export names: count from here.
    const before = evaluations('deferred-pkg') ?? 0;
    expect(loaded.keys?.()).toEqual(['default', 'twice']);
    expect(evaluations('deferred-pkg') ?? 0).toBe(before);
    expect(loaded.make?.()).toBe('hi');
    expect(loaded.twice?.()).toBe(42);
    expect(evaluations('deferred-pkg')).toBe(before + 1);
  });

  it('that is a function is evaluated on its first call, and its exports on their first read', async () => {
    countingPackage(
      'callable-pkg',
      "module.exports = (ok, message) => { if (!ok) throw new Error(message); return 'checked'; }; module.exports.strict = 'strict';",
    );
    const loaded = await bundleCjs(
      'uses-callable',
      "const check = require('callable-pkg'); module.exports = { pass: () => check(true, 'no'), fail: () => check(false, 'failed'), strict: () => check.strict };",
      [defer([{ request: 'callable-pkg', from: /uses-callable\.cjs$/, why: 'test', callable: true }])],
    );
    // Counted from here (the build loads the package once for its export names): an eager stand-in would have
    // counted one more already, and the first call none.
    const before = evaluations('callable-pkg') ?? 0;
    expect(loaded.pass?.()).toBe('checked');
    expect(evaluations('callable-pkg')).toBe(before + 1);
    expect(() => loaded.fail?.()).toThrow('failed');
    expect(loaded.strict?.()).toBe('strict');
    expect(evaluations('callable-pkg')).toBe(before + 1);
  });

  it("keeps node:assert out of the cold start: sonic-boom's is deferred, in the function and in its server", async () => {
    const outdir = join(scratch, 'assert-probe');
    const result = await build({ ...functionBundle('functions/attach-role/index.ts', outdir), write: true });
    await build({ ...serverBundle('functions/attach-role/server.ts', outdir), write: true });
    const read = (files: readonly string[]) =>
      files.map((f) => readFileSync(join(outdir, f), 'utf8')).join('\n');
    // What the function loads at start (the MNS client, loaded on demand, requires assert for itself).
    const atStart = bundleFiles(result.metafile).atStart.map((f) => f.file);
    for (const [file, code] of [
      ['the function at start', read(atStart)],
      ['server.mjs', read(['server.mjs'])],
    ] as const) {
      expect(code, file).toContain('// deferred:assert');
      // The only require of assert is the stand-in's, on first call.
      expect(code.match(/__require\("assert"\)/g), file).toEqual(['__require("assert")']);
      expect(code, file).toMatch(
        /var load = \(\) => real \?\?= __require\("assert"\);\n\s*var stand = \(\.\.\.args\)/,
      );
    }
  });

  it('is required as usual by files its entry does not name', async () => {
    countingPackage('eager-pkg', 'exports.value = 7;');
    const loaded = await bundleCjs(
      'uses-eager',
      "const pkg = require('eager-pkg'); module.exports = { value: () => pkg.value };",
      [defer([{ request: 'eager-pkg', from: /somewhere-else\.js$/, why: 'test' }])],
    );
    expect(evaluations('eager-pkg')).toBe(1);
    expect(loaded.value?.()).toBe(7);
  });
});

describe("the deferred packages' own files", () => {
  it('keep the credentials SDK and xml2js out of what the cold start parses, and serve their paths', async () => {
    const outdir = join(scratch, 'deferred-probe');
    const result = await build({
      ...functionBundle('test/fixtures/scripts/deferred-probe.ts', outdir),
      write: true,
    });
    for (const options of deferredBundles(outdir)) await build({ ...options, write: true });
    const { atStart, onDemand } = bundleFiles(result.metafile);
    const chunks = packagesIn(
      result.metafile,
      [...atStart, ...onDemand].map((f) => f.file),
    );
    for (const name of ['@alicloud/credentials', 'xml2js', 'sax']) expect(chunks, name).not.toContain(name);
    expect(readdirSync(outdir)).toEqual(
      expect.arrayContaining(['deferred-credentials.cjs', 'deferred-xml2js.cjs']),
    );
    // Both paths taken: the default chain (from the environment) and an XML error body.
    const { stdout } = await run(process.execPath, [join(outdir, 'index.mjs')], {
      env: {
        PATH: process.env.PATH ?? '',
        ALIBABA_CLOUD_ACCESS_KEY_ID: 'LTAI5tDeferredProbe0001',
        ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'deferred-probe-secret-00000000',
      },
    });
    expect(JSON.parse(stdout)).toEqual({ code: 'Throttling', accessKeyId: 'LTAI5tDeferredProbe0001' });
  });
});
