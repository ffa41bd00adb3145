import t from 'tap';
import { execFileSync } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildFixture } from '../fixtures/repos.js';
import { fixtureGit } from '../fixtures/repo-builder.js';
import { loadConfig } from '../daemon/config/config.js';
import { Engine, type EngineSearchHit } from '../daemon/engine.js';
import { formatHistoryLine } from '../daemon/mcp/format.js';
import { isolatedEnv, runCli, runJson, tempDir } from './helpers/cli.js';

async function openEngine(t: { teardown: (fn: () => unknown) => void }, dir: string): Promise<Engine> {
  const engine = await Engine.open(
    loadConfig({ ...process.env, CONTEXTD_DATA_DIR: join(dir, 'data'), CONTEXTD_CONFIG_DIR: join(dir, 'config'), CONTEXTD_WORKERS: '0' }),
  );
  t.teardown(() => engine.close());
  return engine;
}

/** git's own blame of each line: author email and time. */
function gitBlame(dir: string, path: string): { sha: string; email: string; time: number }[] {
  const out = fixtureGit(dir, ['blame', '--line-porcelain', 'HEAD', '--', path]);
  const lines: { sha: string; email: string; time: number }[] = [];
  let cur = { sha: '', email: '', time: 0 };
  for (const l of out.split('\n')) {
    const m = /^([0-9a-f]{40}) \d+ \d+/.exec(l);
    if (m) cur = { sha: m[1], email: '', time: 0 };
    else if (l.startsWith('author-mail ')) cur.email = l.slice(13, -1);
    else if (l.startsWith('author-time ')) cur.time = Number(l.slice(12));
    else if (l.startsWith('\t')) lines.push(cur);
  }
  return lines;
}

const key = (h: { path: string; startLine: number }) => `${h.path}:${h.startLine}`;

t.test('history search finds code by the commit messages that changed it', async (t) => {
  const dir = tempDir(t);
  const h = await buildFixture('history', join(dir, 'repo'));
  const engine = await openEngine(t, dir);
  await engine.index(h.dir);

  // None of these words is in the code (the fixture test checks it with git grep); only commit messages hold them.
  const herd = await engine.search('thundering herd', { repo: h.dir });
  t.ok(herd.length >= 2, 'found by history');
  t.ok(
    herd.every((x) => x.retrievers.join() === 'history'),
    'by the history retriever alone',
  );
  t.same(new Set(herd.slice(0, 2).map(key)), new Set(['src/cache.py:1', 'tests/test_cache.py:24']), 'the class and the test that commit changed');
  t.equal(herd[0].history.matched?.[0].subject, 'Stop the thundering herd when entries expire', 'each hit says which commit matched');
  const cacheHit = herd.find((x) => x.path === 'src/cache.py')!;
  t.match(cacheHit.snippet, /^if key in self\._pending:/, 'the excerpt shows the lines that commit wrote, not the head of the class');

  const race = await engine.search('fix race in cache invalidation', { repo: h.dir, history: true });
  const top3 = race.slice(0, 3).map(key);
  t.ok(top3.includes('src/cache.py:1') && top3.includes('tests/test_cache.py:11'), `cache.py and test_invalidate_twice on top (${top3})`);
  const invalidateTwice = race.find((x) => key(x) === 'tests/test_cache.py:11')!;
  t.ok(invalidateTwice.retrievers.includes('history'));
  t.equal(invalidateTwice.history.matched?.[0].subject, 'fix race in cache invalidation');

  // --history weighs the retriever up: a history-only hit scores higher with it.
  const plain = await engine.search('thundering herd', { repo: h.dir });
  const weighted = await engine.search('thundering herd', { repo: h.dir, history: true });
  t.ok(weighted[0].score > plain[0].score * 3, `weighted ${weighted[0].score} > plain ${plain[0].score}`);

  // MCP shows it in one line per hit.
  t.equal(
    formatHistoryLine(herd.find((x) => x.path === 'src/cache.py')!),
    'last change 798d1b4d 2023-08-20 Carol Diaz: "Stop the thundering herd when entries expire" · 4 commits · 3 authors',
  );

  // Every hit carries its history summary.
  const hits = await engine.search('cache', { repo: h.dir, limit: 20 });
  for (const hit of hits) {
    const lines = gitBlame(h.dir, hit.path).slice(hit.startLine - 1, hit.endLine);
    t.equal(hit.history.commits, new Set(lines.map((l) => l.sha)).size, `${key(hit)} commits`);
    t.equal(hit.history.lastChange?.sha, lines.reduce((a, b) => (b.time > a.time ? b : a)).sha, `${key(hit)} last change`);
  }
});

t.test('--author, --since and --until keep exactly the code with a matching line', async (t) => {
  const dir = tempDir(t);
  const h = await buildFixture('history', join(dir, 'repo'));
  const engine = await openEngine(t, dir);
  await engine.index(h.dir);
  const all = await engine.search('cache store', { repo: h.dir, limit: 100, history: false });
  t.ok(all.length >= 6, `${all.length} unfiltered hits`);

  const cases: { scope: { author?: string; since?: string; until?: string }; ok: (l: { email: string; time: number }) => boolean }[] = [
    { scope: { author: 'carol' }, ok: (l) => l.email.includes('carol') },
    { scope: { author: 'BOB@EXAMPLE' }, ok: (l) => l.email === 'bob@example.com' },
    { scope: { since: '2023-08-01' }, ok: (l) => l.time >= new Date(2023, 7, 1).getTime() / 1000 },
    { scope: { until: '2023-05-31' }, ok: (l) => l.time <= new Date(2023, 4, 31, 23, 59, 59).getTime() / 1000 },
    { scope: { author: 'bob', since: '2023-06-01' }, ok: (l) => l.email.includes('bob') && l.time >= new Date(2023, 5, 1).getTime() / 1000 },
  ];
  for (const c of cases) {
    const label = JSON.stringify(c.scope);
    const got = await engine.search('cache store', { repo: h.dir, limit: 100, ...c.scope });
    const want = all.filter((hit) =>
      gitBlame(h.dir, hit.path)
        .slice(hit.startLine - 1, hit.endLine)
        .some(c.ok),
    );
    t.same(new Set(got.map(key)), new Set(want.map(key)), `${label}: the hits with a matching line, and only those`);
    t.ok(want.length > 0 && want.length < all.length, `${label}: filters something (${want.length}/${all.length})`);
  }
  // Alice's only commit after June is the merge, which owns no line.
  t.same(await engine.search('cache store', { repo: h.dir, author: 'alice', since: '2023-06-02' }), []);
});

t.test('recent and churn boosts are off by default and re-rank when asked', async (t) => {
  const dir = tempDir(t);
  const h = await buildFixture('history', join(dir, 'repo'));
  appendFileSync(join(h.dir, 'src/store.py'), '\n\ndef cache_store_size():\n    return 0\n');
  const now = new Date().toISOString();
  execFileSync('git', ['commit', '-qam', 'A recent change'], {
    cwd: h.dir,
    env: { ...process.env, GIT_AUTHOR_DATE: now, GIT_COMMITTER_DATE: now, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' },
  });
  const engine = await openEngine(t, dir);
  await engine.index(h.dir);
  const rank = (hits: EngineSearchHit[], k: string) => hits.findIndex((x) => key(x) === k);
  const base = await engine.search('cache', { repo: h.dir, limit: 30, history: false });
  const recent = await engine.search('cache', { repo: h.dir, limit: 30, history: false, boostRecent: true });
  t.ok(rank(base, 'src/store.py:12') > 0, 'the recent function is not first without the boost');
  t.equal(rank(recent, 'src/store.py:12'), 0, 'and first with it');
  const churn = await engine.search('cache', { repo: h.dir, limit: 30, history: false, boostChurn: true });
  const most = Math.max(...churn.map((x) => x.history.commits));
  t.equal(churn[0].history.commits, most, 'the most-changed chunk leads with the churn boost');
  t.same(
    base.map((x) => x.score),
    (await engine.search('cache', { repo: h.dir, limit: 30, history: false })).map((x) => x.score),
    'no boost by default',
  );
});

t.test('CLI: history, related, changes, search flags, errors', async (t) => {
  const dir = tempDir(t);
  const { env } = isolatedEnv(join(dir, 'home'));
  const h = await buildFixture('history', join(dir, 'repo'));
  const idx = await runCli(['index', h.dir, '--no-progress'], { env });
  t.equal(idx.code, 0, idx.stderr);
  t.match(idx.stdout, /history\s+10 commits \(10 read, full walk\); 6 file\(s\) blamed, 1 attributed from the log/);

  // history: human and JSON
  const human = await runCli(['history', 'src/cache.py#invalidate'], { env, cwd: h.dir });
  t.equal(human.code, 0, human.stderr);
  const lines = human.stdout.split('\n');
  t.match(lines[0], /^src\/cache\.py:18-22\s+Cache\.invalidate$/);
  t.match(human.stdout, /last change 798d1b4d 2023-08-20 Carol Diaz: Stop the thundering herd when entries expire/);
  t.match(human.stdout, /3 commits · 3 authors/);
  const order = lines.filter((l) => /^\s+[0-9a-f]{8}\s/.test(l)).map((l) => l.trim().slice(0, 8));
  t.same(
    order,
    [h.commits[8].sha, h.commits[1].sha, h.commits[0].sha].map((s) => s.slice(0, 8)),
    'newest first',
  );
  t.match(human.stdout, /fix race in cache invalidation\s+·\s+2 lines \(21-22\)/);

  interface Report {
    path: string;
    startLine: number;
    endLine: number;
    summary: { commits: number; authors: number };
    commits: { sha: string | null; author: string | null; date: string; lines: number; ranges: number[][] }[];
    formerNames: string[];
  }
  const json = await runJson<Report>(['history', 'src/helpers.py:1-2', '--repo', h.dir], { env });
  t.match(json, { path: 'src/helpers.py', startLine: 1, endLine: 2, summary: { commits: 1, authors: 1 }, formerNames: ['src/util.py'] });
  t.same(
    json.commits.map((c) => [c.sha, c.author, c.date, c.lines, c.ranges]),
    [[h.commits[0].sha, 'Alice Chen', '2023-05-01T10:00:00Z', 2, [[1, 2]]]],
  );

  appendFileSync(join(h.dir, 'src/schema.py'), 'EXTRA = 1\n');
  await runCli(['index', h.dir, '--no-progress'], { env });
  const dirty = await runJson<Report>(['history', 'src/schema.py'], { env, cwd: join(h.dir, 'src') });
  t.equal(dirty.commits[0].sha, null, 'uncommitted lines come first (path relative to the current directory)');
  t.same(dirty.commits[0].ranges, [[2, 2]]);

  // related: co-change counts checked against git log
  interface Related {
    commits: number;
    ignoredCommits: number;
    related: { path: string; count: number; confidence: number; exists: boolean }[];
  }
  const touching = (path: string) => fixtureGit(h.dir, ['log', '--format=%H', '--', path]).trim().split('\n');
  const both = (a: string, b: string) => touching(a).filter((s) => touching(b).includes(s)).length;
  const store = await runJson<Related>(['related', 'src/store.py', '--repo', h.dir], { env });
  t.equal(store.commits, touching('src/store.py').length);
  t.same(store.related[0], { path: 'src/schema.py', count: both('src/store.py', 'src/schema.py'), confidence: 1, exists: true });
  t.equal(store.related[0].count, 3);
  const cut = await runJson<Related>(['related', 'src/store.py', '--repo', h.dir, '--max-files', '5'], { env });
  t.match(cut, { commits: 2, ignoredCommits: 1 }, 'the 6-file first commit is over the cut-off');
  t.same(
    cut.related.map((r) => [r.path, r.count]),
    [['src/schema.py', 2]],
  );
  const cache = await runJson<Related>(['related', 'src/cache.py', '--repo', h.dir], { env });
  t.match(cache.related[0], { path: 'tests/test_cache.py', count: 4, confidence: 1 });
  const schema = await runJson<Related>(['related', 'src/schema.py', '--repo', h.dir], { env });
  t.ok(
    schema.related.some((r) => r.path === 'src/helpers.py' && r.count === 1),
    'a partner is reported under its current name',
  );
  t.notOk(schema.related.some((r) => r.path === 'src/util.py'));
  const relHuman = await runCli(['related', 'src/store.py', '--repo', h.dir], { env });
  t.match(relHuman.stdout, /src\/schema\.py\s+3\s+1\.00/);

  // changes: grouped by file and symbol
  interface Changes {
    commits: { subject: string }[];
    files: { path: string; status: string; commits: { subject: string }[]; symbols: { symbol: string | null; commits: string[] }[] }[];
  }
  const ch = await runJson<Changes>(['changes', '--since', '2023-07-01', '--until', '2023-08-31', '--repo', h.dir], { env });
  t.same(
    ch.commits.map((c) => c.subject),
    [
      'Stop the thundering herd when entries expire',
      "Merge branch 'feature/metrics'",
      'Document the eviction policy',
      'Export a metrics snapshot',
      'Count cache hits for the dashboard',
    ],
  );
  t.same(ch.files.map((f) => [f.path, f.status]).sort(), [
    ['README.md', 'modified'],
    ['src/cache.py', 'modified'],
    ['src/metrics.py', 'added'],
    ['tests/test_cache.py', 'modified'],
  ]);
  const tests = ch.files.find((f) => f.path === 'tests/test_cache.py')!;
  t.same(
    tests.symbols.map((s) => [s.symbol, s.commits.map((x) => x.slice(0, 7))]),
    [
      ['test_counts_hits', [h.commits[4].sha.slice(0, 7)]],
      ['test_pending_entry_is_shared', [h.commits[8].sha.slice(0, 7)]],
    ],
  );
  const carol = await runJson<Changes>(['changes', '--since', '2023-01-01', '--author', 'carol', '--repo', h.dir], { env });
  t.ok(carol.commits.length === 3 && carol.files.every((f) => f.commits.every((c) => /thundering|eviction|expiry/i.test(c.subject))));

  // search: public JSON fields unchanged, history added; flags reach the engine
  const hits = await runJson<Record<string, unknown>[]>(['search', 'invalidate', '--repo', h.dir, '--author', 'bob'], { env });
  t.ok(hits.length > 0);
  for (const hit of hits) {
    t.same(Object.keys(hit), [
      'repo',
      'path',
      'startLine',
      'endLine',
      'symbol',
      'kind',
      'language',
      'score',
      'snippet',
      'retrievers',
      'why',
      'history',
      'stale',
      'indexedCommit',
    ]);
  }
  const bySubject = await runCli(['search', 'thundering', 'herd', '--history', '--repo', h.dir], { env });
  t.match(bySubject.stdout, /src\/cache\.py:1-22/);
  // The matching commit is the last change of both hits: shown once, on the history line, not again as "why".
  t.match(bySubject.stdout, /Carol Diaz: Stop the thundering herd when entries expire/);
  t.notMatch(bySubject.stdout, /why: /);
  // An older commit's message: the hit says why it was found.
  const older = await runCli(['search', 'race', 'invalidation', '--history', '--repo', h.dir], { env });
  t.match(older.stdout, /src\/cache\.py:1-22 .*\n(.*\n)*? +why: fix race in cache invalidation/);

  // errors: one line, a hint, non-zero exit
  const missing = await runCli(['history', 'src/nope.py', '--repo', h.dir], { env });
  t.equal(missing.code, 1);
  t.match(missing.stderr, /src\/nope\.py is not in the index/);
  t.match(missing.stderr, /hint:/);
  // The same mistake gets the same exit code and message from `related`.
  const related = await runCli(['related', 'src/nope.py', '--repo', h.dir], { env });
  t.equal(related.code, 1, 'related on an unknown path fails like history');
  t.match(related.stderr, /src\/nope\.py is not in the index/);
  const noSym = await runCli(['history', 'src/cache.py#nope', '--repo', h.dir], { env });
  t.equal(noSym.code, 1);
  t.match(noSym.stderr, /no symbol "nope" in src\/cache\.py\n\s+hint: symbols in this file: Cache/);
  const badRange = await runCli(['history', 'src/cache.py:9-3', '--repo', h.dir], { env });
  t.equal(badRange.code, 2);
  const pastEnd = await runCli(['history', 'src/cache.py:400', '--repo', h.dir], { env });
  t.equal(pastEnd.code, 2);
  t.match(pastEnd.stderr, /has 22 lines/);
  const badSince = await runCli(['changes', '--since', 'soon', '--repo', h.dir], { env });
  t.equal(badSince.code, 2);
  t.match(badSince.stderr, /--since must be a duration/);
  const badMax = await runCli(['related', 'src/cache.py', '--max-files', '0', '--repo', h.dir], { env });
  t.equal(badMax.code, 2);
  const notIndexed = await runCli(['changes', '--repo', dir], { env });
  t.not(notIndexed.code, 0);
  for (const cmd of ['history', 'related', 'changes']) {
    const help = await runCli([cmd, '--help'], { env });
    t.equal(help.code, 0);
    t.match(help.stdout, /--json/);
  }
});
