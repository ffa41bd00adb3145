/**
 * The layering check (ARCHITECTURE.md, "Layers"): every import of daemon/ and lsp/ goes to
 * the same layer or one below, no module imports itself through others (no cycle, type-only
 * imports included), and no front end reaches past the engine into `engine.store`.
 * Run by `npm run check:layers` and by tests/layers.test.ts (so by `npm test` and .ci/run).
 * Prints each violation; exits 1 when there is one.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/**
 * Layers, lowest first: a module may import its own layer and the ones before it. The first
 * matching prefix names a module's layer (so a file can sit above its folder).
 */
export const LAYERS: readonly (readonly string[])[] = [
  // Leaves: no imports of ours but errors (backoff/health: what every network client shares; tokenize: the FTS text both stores write).
  [
    'daemon/errors.ts',
    'daemon/version.ts',
    'daemon/secrets.ts',
    'daemon/frames.ts',
    'daemon/threads.ts',
    'daemon/backends/backoff.ts',
    'daemon/backends/health.ts',
    'daemon/search/tokenize.ts',
  ],
  ['daemon/config/'],
  ['daemon/repo/', 'daemon/lang/'],
  ['daemon/store/'],
  ['daemon/cache/', 'daemon/embed/', 'daemon/index/', 'daemon/search/', 'daemon/vectors/', 'daemon/graph/', 'daemon/backends/probes.ts'],
  // The neutral types module: shapes several layers above exchange (types only).
  ['daemon/types.ts'],
  ['daemon/ask/', 'daemon/locate/', 'daemon/metrics/'],
  ['daemon/engine.ts'],
  ['daemon/mcp/', 'lsp/', 'daemon/backends/'],
  ['daemon/server/'],
  ['daemon/cli/'],
];

/** Modules that hold the engine and may therefore say `engine.store` (tests and bench are not checked). */
const MAY_USE_STORE = ['daemon/engine.ts'];

export interface Violation {
  kind: 'upward' | 'cycle' | 'engine-store' | 'unlayered';
  message: string;
}

function layerOf(file: string): number {
  let best = -1;
  let bestLen = -1;
  LAYERS.forEach((prefixes, i) => {
    for (const p of prefixes) {
      if (file.startsWith(p) && p.length > bestLen) {
        best = i;
        bestLen = p.length;
      }
    }
  });
  return best;
}

function sources(root: string, dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(join(root, dir), { withFileTypes: true })) {
    const rel = `${dir}/${e.name}`;
    if (e.isDirectory()) out.push(...sources(root, rel));
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) out.push(rel);
  }
  return out;
}

/** Relative imports of a file (static, dynamic and type-only), as repo-relative .ts paths. */
function importsOf(root: string, file: string): string[] {
  const info = ts.preProcessFile(readFileSync(join(root, file), 'utf8'), true, true);
  return info.importedFiles
    .map((f) => f.fileName)
    .filter((n) => n.startsWith('.'))
    .map((n) =>
      relative(root, resolve(root, dirname(file), n))
        .split(sep)
        .join('/')
        .replace(/\.js$/, '.ts'),
    );
}

export function checkLayers(root: string): Violation[] {
  const files = [...sources(root, 'daemon'), ...sources(root, 'lsp')];
  const graph = new Map(files.map((f) => [f, importsOf(root, f).filter((i) => i.startsWith('daemon/') || i.startsWith('lsp/'))]));
  const out: Violation[] = [];
  for (const [file, deps] of graph) {
    const mine = layerOf(file);
    if (mine < 0) out.push({ kind: 'unlayered', message: `${file} is in no layer (add its folder to LAYERS and to ARCHITECTURE.md)` });
    for (const dep of deps) {
      const theirs = layerOf(dep);
      if (mine >= 0 && theirs > mine)
        out.push({ kind: 'upward', message: `${file} imports ${dep}, a layer above it (${LAYERS[mine][0]} < ${LAYERS[theirs][0]})` });
    }
    if (!MAY_USE_STORE.includes(file) && /\bengine(\(\))?\??\.store\b/.test(readFileSync(join(root, file), 'utf8'))) {
      out.push({ kind: 'engine-store', message: `${file} uses engine.store: ask the Engine (or its repos / jobs facets) instead` });
    }
  }
  // Cycles: depth-first search, each reported once by its smallest member.
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const seen = new Set<string>();
  const visit = (f: string) => {
    state.set(f, 'open');
    stack.push(f);
    for (const d of graph.get(f) ?? []) {
      if (!graph.has(d)) continue;
      if (state.get(d) === 'open') {
        const cycle = stack.slice(stack.indexOf(d));
        const key = [...cycle].sort().join(' ');
        if (!seen.has(key)) {
          seen.add(key);
          out.push({ kind: 'cycle', message: `import cycle: ${[...cycle, d].join(' -> ')}` });
        }
      } else if (!state.has(d)) visit(d);
    }
    stack.pop();
    state.set(f, 'done');
  };
  for (const f of [...graph.keys()].sort()) if (!state.has(f)) visit(f);
  return out;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  const problems = checkLayers(root);
  for (const p of problems) console.error(`${p.kind}: ${p.message}`);
  console.log(problems.length ? `${problems.length} layering problem(s)` : 'layers: no upward import, no cycle');
  process.exit(problems.length ? 1 : 0);
}
