import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { importCycles, importGraph, showCycle } from './import-graph.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

describe('import cycles', () => {
  it('there are none in shared/ and functions/', () => {
    const graph = importGraph([join(ROOT, 'shared'), join(ROOT, 'functions')]);
    expect(graph.size).toBeGreaterThan(50); // the walk found the sources
    expect(importCycles(graph).map((cycle) => showCycle(cycle, ROOT))).toEqual([]);
  });

  it('the walk finds a cycle through a type-only import, a re-export or a dynamic import', () => {
    const dir = mkdtempSync(join(tmpdir(), 'import-cycles-'));
    mkdirSync(join(dir, 'sub'));
    const files: Record<string, string> = {
      'a.ts': "import type { B } from './sub/b.js';\nexport interface A { b?: B }\n",
      'sub/b.ts': "import { c } from '../c.js';\nexport interface B { c: typeof c }\n",
      'c.ts': "export { a } from './d.js';\nexport const c = 1;\n",
      'd.ts': "export const a = async () => (await import('./a.js')) as unknown;\n",
      'e.ts':
        "import { c } from './c.js';\n// import { x } from './nowhere.js' names no file\nexport const e = c;\n",
      'self.ts': "import './self.js';\n",
    };
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    expect(importCycles(importGraph([dir])).map((cycle) => showCycle(cycle, dir))).toEqual([
      'a.ts <-> c.ts <-> d.ts <-> sub/b.ts',
      'self.ts',
    ]);
  });

  it('property: a chain of modules has a cycle exactly when its last links back into it', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }), fc.option(fc.nat(29), { nil: undefined }), (n, back) => {
        const nodes = Array.from({ length: n }, (_, i) => `m${i}`);
        const graph = new Map(nodes.map((node, i) => [node, i + 1 < n ? [`m${i + 1}`] : []]));
        const target = back === undefined || back >= n ? undefined : `m${back}`;
        if (target !== undefined) graph.set(`m${n - 1}`, [target]);
        const cycles = importCycles(graph);
        if (target === undefined) expect(cycles).toEqual([]);
        else expect(cycles).toEqual([nodes.slice(back).sort()]);
      }),
    );
  });
});
