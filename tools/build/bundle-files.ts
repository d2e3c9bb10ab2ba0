/** What a bundle loads when it starts, and what only on demand, read from esbuild's metafile. */
import { basename } from 'node:path';
import type { Metafile } from 'esbuild';

export interface BundleFiles {
  /** The entry and every chunk it imports statically, transitively: what a cold start parses. */
  atStart: { file: string; bytes: number }[];
  /** Chunks only `import()` reaches. */
  onDemand: { file: string; bytes: number }[];
}

export function bundleFiles(metafile: Metafile, entryFile = 'index.mjs'): BundleFiles {
  const outputs = Object.entries(metafile.outputs).filter(([path]) => path.endsWith('.mjs'));
  const byPath = new Map(outputs);
  const entry = outputs.find(([path]) => basename(path) === entryFile)?.[0];
  const atStart = new Set<string>();
  const visit = (path: string) => {
    if (atStart.has(path)) return;
    atStart.add(path);
    for (const imported of byPath.get(path)?.imports ?? []) {
      if (imported.kind === 'import-statement' && !imported.external) visit(imported.path);
    }
  };
  if (entry !== undefined) visit(entry);
  const describe = ([path, output]: [string, Metafile['outputs'][string]]) => ({
    file: basename(path),
    bytes: output.bytes,
  });
  return {
    atStart: outputs.filter(([path]) => atStart.has(path)).map(describe),
    onDemand: outputs.filter(([path]) => !atStart.has(path)).map(describe),
  };
}

export const totalBytes = (files: readonly { bytes: number }[]): number =>
  files.reduce((sum, f) => sum + f.bytes, 0);
