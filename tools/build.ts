/**
 * Bundles each FC function into `dist/<name>/index.mjs` (the code directories s.yaml deploys; options in
 * `build/bundle-options.ts`), with the chunks it loads on demand beside it, and puts a
 * validated copy of the policy beside attach-role. Run with `npm run build`.
 *
 * Files are replaced atomically (write aside, then rename), so a sandbox or test that is loading the function
 * while another build runs never sees a missing or half-written file.
 */
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { build } from 'esbuild';
import { parseYaml } from '../shared/policy/load-policy.js';
import { encodeParsedPolicy, parsedPolicyPath } from '../shared/policy/parsed-policy.js';
import { validatePolicy } from '../shared/policy/validate-policy.js';
import { bundleFiles, totalBytes } from './build/bundle-files.js';
import { deferredBundles, functionBundle, serverBundle } from './build/bundle-options.js';
import { type Cli, createCli } from './cli.js';

/**
 * Each function, whether the tag policy ships beside it, and whether it has a custom-runtime entry
 * (`functions/<name>/server.ts` → `server.mjs`, which loads `index.mjs`; s.yaml's customRuntimeConfig runs it).
 */
const FUNCTIONS = [
  { name: 'attach-role', policy: true, server: true },
  { name: 'dead-letter-alert', policy: false, server: false },
] as const;

async function writeAtomically(path: string, contents: Uint8Array | string): Promise<void> {
  const aside = `${path}.${process.pid}.tmp`;
  await writeFile(aside, contents);
  await rename(aside, path);
}

const cli: Cli = createCli(
  'build',
  `usage: npm run build

Bundles each function into dist/<name>/index.mjs (handler index.handler): attach-role, with the validated
policy.yaml and its custom-runtime entry server.mjs beside it, and dead-letter-alert. Takes no options.

Exit status: 0 built, 1 failure (an invalid policy.yaml names its rule and field), 2 usage error.`,
);

/**
 * A chunk left by an earlier build is removed only once it is this old: a function instance that loaded the
 * earlier `index.mjs` may still load its chunks on demand (the MNS client, on its first failure).
 */
const STALE_CHUNK_GRACE_MS = 10 * 60_000;

async function main(): Promise<void> {
  cli.parse({});
  const policyText = await readFile('policy.yaml', 'utf8');
  // Throws, naming rule and field, if invalid.
  const { value, warnings: yamlWarnings } = parseYaml(policyText, 'policy.yaml');
  const validated = validatePolicy(value, yamlWarnings, 'policy.yaml');
  for (const warning of validated.warnings) console.warn(`policy.yaml: ${warning}`);
  // The cold start takes this instead of parsing and validating the YAML again (shared/policy/parsed-policy.ts).
  const parsedPolicy = encodeParsedPolicy(policyText, validated);
  if (parsedPolicy === undefined)
    console.warn('policy.yaml: not representable as JSON; validated at cold start');

  for (const { name, policy, server } of FUNCTIONS) {
    const outdir = join('dist', name);
    await mkdir(outdir, { recursive: true });
    const result = await build(functionBundle(join('functions', name, 'index.ts'), outdir));
    const written = new Set<string>();
    const write = async (path: string, contents: Uint8Array | string) => {
      await writeAtomically(path, contents);
      written.add(basename(path));
    };
    // The entry last: whoever loads it finds its chunks already there.
    const isEntry = (path: string) => /^index\.mjs(\.map)?$/.test(basename(path));
    for (const file of result.outputFiles.filter((f) => !isEntry(f.path)))
      await write(file.path, file.contents);
    // The packages the chunks load only on demand, from files of their own (bundle-options.ts, DEFERRED).
    let deferredBytes = 0;
    for (const options of deferredBundles(outdir)) {
      for (const file of (await build({ ...options, write: false })).outputFiles) {
        await write(file.path, file.contents);
        deferredBytes += file.contents.length;
      }
    }
    if (server) {
      // Its own bundle of node:http and a few lines: it imports the built index.mjs at run time, not its code.
      const built = await build(serverBundle(join('functions', name, 'server.ts'), outdir));
      for (const file of built.outputFiles) await write(file.path, file.contents);
    }
    if (policy) {
      const policyPath = join(outdir, 'policy.yaml');
      if (parsedPolicy !== undefined) await write(parsedPolicyPath(policyPath), parsedPolicy);
      await write(policyPath, policyText);
    }
    for (const file of result.outputFiles.filter((f) => isEntry(f.path)))
      await write(file.path, file.contents);
    const now = Date.now();
    for (const stale of await readdir(outdir)) {
      if (written.has(stale) || stale.endsWith('.tmp')) continue;
      const path = join(outdir, stale);
      const isChunk = stale.endsWith('.mjs') || stale.endsWith('.mjs.map') || stale.endsWith('.cjs');
      if (!isChunk || now - (await stat(path)).mtimeMs > STALE_CHUNK_GRACE_MS)
        await rm(path, { force: true });
    }
    const { atStart, onDemand } = bundleFiles(result.metafile);
    const kib = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;
    console.log(
      `built ${outdir}/index.mjs from ${Object.keys(result.metafile.inputs).length} files: ` +
        `${kib(totalBytes(atStart))} loaded at start (${atStart.length} files)` +
        (onDemand.length > 0 ? `, ${kib(totalBytes(onDemand))} on demand (${onDemand.length} files)` : '') +
        (deferredBytes > 0 ? `, ${kib(deferredBytes)} of deferred packages` : ''),
    );
  }
}

await cli.run(main);
