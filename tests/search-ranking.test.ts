/**
 * Ranking rules that do not depend on one retriever's internals:
 * - per-repository lexical statistics: a repository's lexical ranking and scores are
 *   the same whether it is indexed alone or beside other repositories, on both store
 *   backends (while FTS5's table-wide bm25() does change);
 * - test files rank below implementation code unless the query is about tests, and
 *   the hit says so;
 * - score fusion: the semantic weight is a real knob (0 = lexical order; 1 = the
 *   vectors' order).
 * Real git repositories, real SQLite and PostgreSQL (tests/helpers/services.ts).
 */
import t from 'tap';
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { loadConfig } from '../daemon/config/config.js';
import { Engine } from '../daemon/engine.js';
import { scoreFusion } from '../daemon/search/fusion.js';
import { isTestPath, queryAboutTests } from '../daemon/search/test-files.js';
import { buildFixture } from '../fixtures/repos.js';
import { fixtureGit } from '../fixtures/repo-builder.js';
import { REPO_ROOT, tempDir } from './helpers/cli.js';
import { pgForTest, pgSchemaUrl } from './helpers/services.js';

type ServiceT = Parameters<typeof pgForTest>[0];
const asT = (x: unknown) => x as ServiceT;
const pg = await pgForTest(asT(t));

function gitRepo(dir: string, files: Record<string, string>, message = 'initial'): string {
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(join(dir, p, '..'), { recursive: true });
    writeFileSync(join(dir, p), text);
  }
  fixtureGit(dir, ['init', '-q', '-b', 'main']);
  fixtureGit(dir, ['add', '-A']);
  fixtureGit(dir, ['commit', '-q', '-m', message]);
  return dir;
}

/** A second project that shares many words with the basic fixture (config, json, cache, parse), with different counts. */
function otherProject(dir: string): string {
  const files: Record<string, string> = {};
  for (let i = 0; i < 120; i++) {
    files[`lib/mod${i}.py`] =
      `def parse_config_${i}(text):\n    """Parse the json config."""\n    return json.loads(text) if text else cache_get(${i})\n\n\ndef load_${i}(path):\n    with open(path) as f:\n        return parse_config_${i}(f.read())\n`;
  }
  return gitRepo(dir, files);
}

const QUERIES = [
  'parse json config',
  'config loader',
  'cache',
  'json',
  'return',
  'where do we load the configuration file',
  'get',
  'HTTP handler',
  'struct',
  'fn new',
  'public static void main',
  'server main',
  'new value',
];

const backends: { name: string; env: (t: Tap, name: string) => Record<string, string> }[] = [{ name: 'sqlite', env: () => ({}) }];
type Tap = { teardown(fn: () => unknown): void };
if (pg) backends.push({ name: 'postgres', env: (t, name) => ({ CONTEXTD_DATABASE_URL: pgSchemaUrl(asT(t), pg.url, name), CONTEXTD_MACHINE: 'm' }) });
else t.comment('PostgreSQL not available: per-repository statistics checked on SQLite only');

for (const b of backends) {
  t.test(`${b.name}: a repository ranks the same alone and beside other repositories`, async (t) => {
    const dir = tempDir(t);
    // The repository under test: every sample file of every language.
    const samples = join(dir, 'samples');
    cpSync(join(REPO_ROOT, 'fixtures', 'samples'), samples, { recursive: true });
    fixtureGit(samples, ['init', '-q']);
    fixtureGit(samples, ['add', '-A']);
    fixtureGit(samples, ['commit', '-q', '-m', 'Samples in every language']);
    const basic = { dir: samples };
    const other = otherProject(join(dir, 'other'));
    const history = await buildFixture('history', join(dir, 'history'));
    const fixtureBasic = await buildFixture('basic', join(dir, 'basic'));
    const open = async (name: string, roots: string[]) => {
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        CONTEXTD_DATA_DIR: join(dir, `data-${name}`),
        CONTEXTD_CONFIG_DIR: join(dir, 'cfg'),
        CONTEXTD_WORKERS: '0',
        ...b.env(t, `rank_${name}`),
      };
      if (b.name === 'sqlite') delete env.CONTEXTD_DATABASE_URL;
      const engine = await Engine.open(loadConfig(env));
      t.teardown(() => engine.close());
      for (const root of roots) await engine.index(root);
      return engine;
    };
    const alone = await open('alone', [basic.dir]);
    // Other repositories indexed first and after: different ids, table-wide counts, averages.
    const beside = await open('beside', [other, fixtureBasic.dir, basic.dir, history.dir]);
    const strip = (hits: Awaited<ReturnType<Engine['search']>>) => hits.map((h) => [h.path, h.startLine, h.endLine, h.symbol, h.score]);
    let compared = 0;
    for (const q of QUERIES) {
      const [x, y] = [
        await alone.search(q, { repo: basic.dir, mode: 'lexical', limit: 20 }),
        await beside.search(q, { repo: basic.dir, mode: 'lexical', limit: 20 }),
      ];
      t.same(strip(y), strip(x), `lexical ${JSON.stringify(q)}: same hits, order and scores`);
      compared += x.length;
    }
    t.ok(compared > 20, `${compared} hits compared`);
    // A repository with more matches than the re-scored pool of the best 100 (every match is re-scored below 300).
    const otherAlone = await open('other-alone', [other]);
    for (const q of ['parse the json config', 'load path', 'cache get text']) {
      const [x, y] = [
        await otherAlone.search(q, { repo: other, mode: 'lexical', limit: 30 }),
        await beside.search(q, { repo: other, mode: 'lexical', limit: 30 }),
      ];
      t.ok(x.length === 30, `${JSON.stringify(q)} fills the page`);
      t.same(strip(y), strip(x), `other project, lexical ${JSON.stringify(q)}: same hits, order and scores`);
    }
    // The store's own BM25 numbers (before fusion), for every row.
    const expr = '"return" OR "main" OR "config" OR "new" OR ("parse" AND "json")';
    const repoAlone = (await alone.store.getRepo(basic.dir))!;
    const repoBeside = (await beside.store.getRepo(basic.dir))!;
    const rowsAlone = await alone.store.searchLexical({ repoIds: [repoAlone.id], match: expr, limit: 50 });
    const rowsBeside = await beside.store.searchLexical({ repoIds: [repoBeside.id], match: expr, limit: 50 });
    t.ok(rowsAlone.length > 5, 'the query matches');
    t.same(
      rowsBeside.map((r) => [r.path, r.startLine, r.bm25]),
      rowsAlone.map((r) => [r.path, r.startLine, r.bm25]),
      'searchLexical: identical rows and BM25 scores to the bit',
    );
    // A search over several repositories scores each hit with its own repository's statistics.
    const both = await beside.store.searchLexical({ repoIds: [repoBeside.id, (await beside.store.getRepo(other))!.id], match: expr, limit: 500 });
    const mine = both.filter((r) => r.repoId === repoBeside.id);
    t.same(
      mine.map((r) => [r.path, r.startLine, r.bm25]),
      rowsBeside.map((r) => [r.path, r.startLine, r.bm25]).slice(0, mine.length),
      'in a two-repository search, the repository keeps its own scores and order',
    );
    // After a commit that changes the repository's statistics, cached statistics must not be reused:
    // both engines (warm caches) answer as a fresh one does.
    writeFileSync(join(basic.dir, 'extra.py'), Array.from({ length: 30 }, (_, i) => `def new_config_${i}():\n    return parse_json(main_config)\n`).join('\n'));
    fixtureGit(basic.dir, ['add', '-A']);
    fixtureGit(basic.dir, ['commit', '-q', '-m', 'more config']);
    await alone.index(basic.dir);
    await beside.index(basic.dir);
    const fresh = await open('fresh', [basic.dir]);
    const freshRepo = (await fresh.store.getRepo(basic.dir))!;
    const want = (await fresh.store.searchLexical({ repoIds: [freshRepo.id], match: expr, limit: 50 })).map((r) => [r.path, r.startLine, r.bm25]);
    t.notSame(
      want,
      rowsAlone.map((r) => [r.path, r.startLine, r.bm25]),
      'the commit changed the scores',
    );
    t.same(
      (await alone.store.searchLexical({ repoIds: [repoAlone.id], match: expr, limit: 50 })).map((r) => [r.path, r.startLine, r.bm25]),
      want,
      'alone, after the commit: as fresh',
    );
    t.same(
      (await beside.store.searchLexical({ repoIds: [repoBeside.id], match: expr, limit: 50 })).map((r) => [r.path, r.startLine, r.bm25]),
      want,
      'beside, after the commit: as fresh',
    );
    if (b.name === 'sqlite') {
      // The test can fail: FTS5's table-wide bm25() does differ between the two data dirs.
      const raw = (name: string) => {
        const db = new Database(join(dir, `data-${name}`, 'index.db'), { readonly: true });
        const rows = db
          .prepare(
            'SELECT f.path, pc.start_line AS line, -bm25(chunk_fts, 4.0, 1.0) AS s FROM chunk_fts JOIN parse_chunks pc ON pc.id = chunk_fts.rowid JOIN files f ON f.parse_id = pc.parse_id JOIN repos r ON r.id = f.repo_id WHERE chunk_fts MATCH ? AND r.root = ? ORDER BY f.path, pc.start_line',
          )
          .all(expr, basic.dir) as { path: string; line: number; s: number }[];
        db.close();
        return rows;
      };
      const [ra, rb] = [raw('alone'), raw('beside')];
      t.equal(ra.length, rb.length);
      t.ok(
        ra.some((r, i) => r.s !== rb[i].s),
        "FTS5's table-wide scores differ beside other repositories (which is what per-repository statistics undo)",
      );
    }
  });
}

t.test('test files rank below implementation code unless the query is about tests, and say so', async (t) => {
  const dir = tempDir(t);
  const impl =
    'def rotate(directory, keep):\n    # log files, oldest first\n    files = sorted(os.listdir(directory))\n    for name in files[:-keep]:\n        os.remove(os.path.join(directory, name))\n';
  // The test repeats the query's words more often than the implementation does.
  const test =
    'def test_rotate_log_files_in_directory(tmp_path):\n    directory = tmp_path / "log files"\n    for name in ["a.log", "b.log", "c.log"]:\n        (directory / name).write_text("log files")\n    rotate(directory, keep=1)  # rotate log files in the directory\n    assert sorted(os.listdir(directory)) == ["c.log"]  # log files rotated\n';
  const root = gitRepo(join(dir, 'repo'), { 'app/logs.py': impl, 'tests/test_logs.py': test, 'app/other.py': 'def unrelated():\n    return 1\n' });
  const env: NodeJS.ProcessEnv = { ...process.env, CONTEXTD_DATA_DIR: join(dir, 'data'), CONTEXTD_CONFIG_DIR: join(dir, 'cfg'), CONTEXTD_WORKERS: '0' };
  delete env.CONTEXTD_DATABASE_URL;
  const engine = await Engine.open(loadConfig(env));
  t.teardown(() => engine.close());
  await engine.index(root);

  const q = 'rotate log files in a directory';
  const off = await engine.search(q, { mode: 'lexical', testFileFactor: 1 });
  t.equal(off[0]?.path, 'tests/test_logs.py', 'without the preference the test file ranks first (the case this rule exists for)');
  t.same(off[0]?.why, [], 'no note without the preference');

  for (const mode of ['lexical', 'hybrid'] as const) {
    const on = await engine.search(q, { mode });
    t.equal(on[0]?.path, 'app/logs.py', `${mode}: implementation code first`);
    const testHit = on.find((h) => h.path === 'tests/test_logs.py');
    t.ok(testHit, `${mode}: the test file is still listed`);
    t.match(testHit!.why.join(' '), /test file/, `${mode}: the test hit says why it ranks lower`);
    t.same(on[0].why, [], 'the implementation hit carries no note');
  }

  const aboutTests = await engine.search('test that rotate log files keeps the newest', { mode: 'lexical' });
  t.equal(aboutTests[0]?.path, 'tests/test_logs.py', 'a query about tests: the test file ranks first');
  t.ok(
    aboutTests.every((h) => h.why.length === 0),
    'and nothing is demoted',
  );
});

t.test('which paths are tests, which queries are about tests', async (t) => {
  for (const p of [
    'tests/test_x.py',
    'pkg/foo_test.go',
    'src/__tests__/a.ts',
    'src/a.spec.ts',
    'lib/b.test.js',
    'src/test/java/FooTest.java',
    'conftest.py',
    'testdata/x.json',
  ])
    t.ok(isTestPath(p), `${p} is test code`);
  for (const p of ['src/contest.py', 'lib/attest.js', 'src/latest/x.go', 'app/testament.py', 'src/Tester.java', 'werkzeug/test.py', 'flask/testing.py'])
    t.notOk(isTestPath(p), `${p} is not`);
  for (const q of ['unit tests for the parser', 'mock the http client', 'fixture for the database', 'where is the spec for routing', 'test_parse_config'])
    t.ok(queryAboutTests(q), `${q}: about tests`);
  for (const q of ['parse the config file', 'return the latest version', 'contest results', 'Equal asserts that two objects are equal'])
    t.notOk(queryAboutTests(q), `${q}: not about tests`);
});

t.test('score fusion: the semantic weight moves the ranking from words to meaning', async (t) => {
  const key = (s: string) => s;
  const lists = (a: number) => [
    { retriever: 'lexical', weight: 1 - a, items: ['x', 'y', 'z'], scores: [9, 6, 1], calibration: 'max' as const },
    { retriever: 'semantic', weight: a, items: ['z', 'y', 'w'], scores: [0.9, 0.5, 0.4], calibration: 'minmax' as const },
  ];
  t.same(
    scoreFusion(lists(0), key).map((f) => f.item),
    ['x', 'y', 'z'],
    'weight 0: the lexical order (and nothing found only by meaning)',
  );
  t.same(
    scoreFusion(lists(1), key).map((f) => f.item),
    ['z', 'y', 'w'],
    "weight 1: the vectors' order",
  );
  const mid = scoreFusion(lists(0.5), key);
  t.same(
    mid.map((f) => f.item),
    ['z', 'x', 'y', 'w'],
    'in between: z (weak words, best meaning) and x (best words, no meaning) meet; both retrievers named',
  );
  t.same(mid.find((f) => f.item === 'y')!.retrievers, ['lexical', 'semantic']);
  // calibrated: lexical x = 1, y = 6/9, z = 1/9; semantic z = 1, y = 0.2, w = 0.
  t.ok(Math.abs(mid[0].score - (0.5 / 9 + 0.5)) < 1e-12, 'scores are the weighted calibrated scores');
});
