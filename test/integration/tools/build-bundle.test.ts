import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build, type Metafile } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { bundleFiles, totalBytes } from '../../../tools/build/bundle-files.js';
import { functionBundle, LEFT_OUT, leaveOut, leftOutMessage } from '../../../tools/build/bundle-options.js';

// What the attach-role bundle makes FC parse at cold start (sizes, not times: no timed assertions here).

const scratch = mkdtempSync(join(tmpdir(), 'bundle-test-'));

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
      'sonic-boom',
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
    for (const name of ['@alicloud/mns', 'yaml']) {
      expect(start, name).not.toContain(name);
      expect(later, name).toContain(name);
    }
    expect(start).toContain('@alicloud/openapi-core');
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
