/**
 * Bundles each FC function into `dist/<name>/index.mjs` (the code directories s.yaml deploys) and puts a
 * validated copy of the policy beside attach-role. Run with `npm run build`.
 *
 * Files are replaced atomically (write aside, then rename), so a sandbox or test that is loading the function
 * while another build runs never sees a missing or half-written file.
 */
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { build } from 'esbuild';
import { loadPolicy } from '../shared/policy/load-policy.js';
import { type Cli, createCli } from './cli.js';

/** Each function, and whether the tag policy ships beside it. */
const FUNCTIONS = [
  { name: 'attach-role', policy: true },
  { name: 'dead-letter-alert', policy: false },
] as const;

// The SDKs require Node built-ins lazily; an ESM bundle needs a real `require` for them (sdk-wire.md §8).
const banner =
  "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);";

async function writeAtomically(path: string, contents: Uint8Array | string): Promise<void> {
  const aside = `${path}.${process.pid}.tmp`;
  await writeFile(aside, contents);
  await rename(aside, path);
}

const cli: Cli = createCli(
  'build',
  `usage: npm run build

Bundles each function into dist/<name>/index.mjs (handler index.handler): attach-role, with the validated
policy.yaml beside it, and dead-letter-alert. Takes no options.

Exit status: 0 built, 1 failure (an invalid policy.yaml names its rule and field), 2 usage error.`,
);

async function main(): Promise<void> {
  cli.parse({});
  const policyText = await readFile('policy.yaml', 'utf8');
  const { warnings } = loadPolicy(policyText, 'policy.yaml'); // throws, naming rule and field, if invalid
  for (const warning of warnings) console.warn(`policy.yaml: ${warning}`);

  for (const { name, policy } of FUNCTIONS) {
    const outdir = join('dist', name);
    await mkdir(outdir, { recursive: true });
    const result = await build({
      entryPoints: [join('functions', name, 'index.ts')],
      outfile: join(outdir, 'index.mjs'),
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'esm',
      // Not minified: minified SDK bundles load slower (sdk-wire.md §7).
      minify: false,
      sourcemap: 'linked',
      banner: { js: banner },
      logLevel: 'warning',
      metafile: true,
      write: false,
    });
    const written = new Set<string>(policy ? ['policy.yaml'] : []);
    for (const file of result.outputFiles) {
      await writeAtomically(file.path, file.contents);
      written.add(basename(file.path));
    }
    if (policy) await writeAtomically(join(outdir, 'policy.yaml'), policyText);
    for (const stale of await readdir(outdir)) {
      if (!written.has(stale) && !stale.endsWith('.tmp')) await rm(join(outdir, stale), { force: true });
    }
    const bundle = result.outputFiles.find((f) => f.path.endsWith('index.mjs'));
    const inputs = Object.keys(result.metafile.inputs).length;
    console.log(
      `built ${outdir}/index.mjs: ${((bundle?.contents.length ?? 0) / 1024).toFixed(0)} KiB from ${inputs} files`,
    );
  }
}

await cli.run(main);
