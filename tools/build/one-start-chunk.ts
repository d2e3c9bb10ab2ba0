/**
 * One chunk for everything a cold start loads, instead of one per set of lazy chunks sharing it.
 *
 * esbuild puts each module in the chunk of the entry points (the entry and each `import()`ed module) that reach
 * it. Code the cold start shares with one lazy module and code it shares with another therefore land in different
 * chunks, all loaded at start: attach-role's cold start read 14 files. Each file is resolved, read and compiled on
 * its own, and one file instead of 14 imports about 7 % faster (BENCHMARKS.md).
 *
 * Here every `import()`ed module also imports what the entry imports (its cold start), so every module of the
 * cold start is reached from every entry point and lands in one chunk. When a lazy chunk loads, those modules are
 * already evaluated: the import changes where code lives, not what runs. It is of the entry's imports and not of
 * the entry itself, whose top-level await would otherwise wait for a chunk it loads during that await (a
 * deadlock). The import is appended at the end of the module's source, where it moves no line of the source map.
 * A module both `import()`ed and imported statically by the cold start would close a cycle of static imports;
 * none is (build-bundle.test.ts: the lazy modules are all on demand).
 */
import { readFile } from 'node:fs/promises';
import type { Plugin } from 'esbuild';

/** Marks the plugin's own `resolve` calls, so that it does not see them again. */
const OWN = Symbol('one-start-chunk');

export function oneStartChunk(): Plugin {
  return {
    name: 'one-start-chunk',
    setup(build) {
      /** What the entry imports: its cold start. */
      const roots = new Set<string>();
      /** The modules some module loads with `import()`. */
      const lazy = new Set<string>();
      const entries = new Set<string>();

      build.onResolve({ filter: /.*/ }, async (args) => {
        if (args.pluginData === OWN) return undefined;
        if (args.kind === 'entry-point') {
          const resolved = await build.resolve(args.path, {
            kind: args.kind,
            resolveDir: args.resolveDir,
            pluginData: OWN,
          });
          entries.add(resolved.path);
          return undefined;
        }
        const fromEntry = args.kind === 'import-statement' && entries.has(args.importer);
        if (args.kind !== 'dynamic-import' && !fromEntry) return undefined;
        const resolved = await build.resolve(args.path, {
          kind: args.kind,
          importer: args.importer,
          resolveDir: args.resolveDir,
          pluginData: OWN,
        });
        if (resolved.errors.length > 0 || resolved.external || resolved.namespace !== 'file')
          return undefined;
        (fromEntry ? roots : lazy).add(resolved.path);
        return undefined;
      });

      // Not `.cjs`/`.cts`: an `import` appended to a CommonJS module would turn it into an ES module.
      build.onLoad({ filter: /\.m?[jt]s$/, namespace: 'file' }, async (args) => {
        if (!lazy.has(args.path) || roots.size === 0) return undefined;
        const source = await readFile(args.path, 'utf8');
        const imports = [...roots].map((root) => `import ${JSON.stringify(root)};`).join(' ');
        return { contents: `${source}\n${imports}\n`, loader: /ts$/.test(args.path) ? 'ts' : 'js' };
      });
    },
  };
}
