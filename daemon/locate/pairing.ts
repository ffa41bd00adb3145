/**
 * Test files and the source files they exercise: `lib/x.js` ↔ `test/x.test.js`,
 * `src/foo.ts` ↔ `src/__tests__/foo.spec.ts`, `pkg/a.py` ↔ `tests/test_a.py`. A change
 * to one usually comes with the other, so locate ranks both and says which is which.
 */
import { isTestPath } from '../search/test-files.js';

export type FileRole = 'source' | 'test';

export function roleOf(path: string): FileRole {
  return isTestPath(path) ? 'test' : 'source';
}

/** The name a test and its source share: the file name without test markers and extension. */
export function pairingStem(path: string): string {
  const leaf = path.split('/').pop() ?? path;
  return leaf
    .replace(/\.[cm]?[jt]sx?$|\.(py|go|rs|rb|java|kt|cs|php)$/, '')
    .replace(/[._-](test|spec|tests)$/i, '')
    .replace(/^test_|_test$|Tests?$/g, '')
    .toLowerCase();
}

/** For every path, the paths of the other role with the same stem (tests of a source, sources of a test). */
export function pairFiles(paths: readonly string[]): Map<string, string[]> {
  const byStem = new Map<string, { source: string[]; test: string[] }>();
  for (const p of paths) {
    const stem = pairingStem(p);
    if (!stem || stem === 'index') continue;
    let e = byStem.get(stem);
    if (!e) byStem.set(stem, (e = { source: [], test: [] }));
    e[roleOf(p)].push(p);
  }
  const out = new Map<string, string[]>();
  for (const e of byStem.values()) {
    if (!e.source.length || !e.test.length) continue;
    for (const s of e.source) out.set(s, e.test);
    for (const t of e.test) out.set(t, e.source);
  }
  return out;
}
