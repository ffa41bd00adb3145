/**
 * The layering check (.ci/check-layers.ts) as part of the test run: no upward import,
 * no import cycle, no `engine.store` outside the engine. Also that the check catches each.
 */
import t from 'tap';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { checkLayers } from '../.ci/check-layers.js';

t.test('the tree keeps its layers', async (t) => {
  const problems = checkLayers(resolve(import.meta.dirname, '..'));
  t.same(
    problems.map((p) => `${p.kind}: ${p.message}`),
    [],
  );
});

t.test('an upward import, a cycle and engine.store are each reported', async (t) => {
  const root = t.testdir();
  const write = (file: string, text: string) => {
    mkdirSync(join(root, file, '..'), { recursive: true });
    writeFileSync(join(root, file), text);
  };
  write('daemon/store/a.ts', "import type { X } from '../engine.js';\n");
  write('daemon/engine.ts', "import { a } from './store/a.js';\n");
  write('daemon/server/s.ts', 'export const n = (engine: { store: number }) => engine.store;\n');
  write('lsp/l.ts', "import { n } from '../daemon/server/s.js';\n");
  const kinds = checkLayers(root)
    .map((p) => p.kind)
    .sort();
  t.same(kinds, ['cycle', 'engine-store', 'upward', 'upward']);
});
