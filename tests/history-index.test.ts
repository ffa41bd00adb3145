import t from 'tap';
import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildFixture } from '../fixtures/repos.js';
import { fixtureGit, shallowClone } from '../fixtures/repo-builder.js';
import { loadConfig } from '../daemon/config/config.js';
import { Engine } from '../daemon/engine.js';
import { enrichHistory } from '../daemon/index/history.js';
import type { MetadataStore } from '../daemon/store/types.js';
import { tempDir } from './helpers/cli.js';

const COMMITTER = {
  GIT_AUTHOR_NAME: 'Dana Reyes',
  GIT_AUTHOR_EMAIL: 'dana@example.com',
  GIT_COMMITTER_NAME: 'Dana Reyes',
  GIT_COMMITTER_EMAIL: 'dana@example.com',
};

/** A commit made the way a user would (not through the fixture builder). */
function commit(dir: string, message: string, date = '2024-02-01T12:00:00Z'): string {
  const env = { ...process.env, ...COMMITTER, GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' };
  for (const k of ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE']) delete env[k];
  fixtureGit(dir, ['add', '-A']);
  // fixtureGit pins its own identity; commit with ours.
  execFileSync('git', ['commit', '-q', '--no-verify', '-m', message], { cwd: dir, env });
  return fixtureGit(dir, ['rev-parse', 'HEAD']).trim();
}

async function openEngine(t: { teardown: (fn: () => unknown) => void }, dir: string, extra: Record<string, string> = {}): Promise<Engine> {
  const engine = await Engine.open(
    loadConfig({ ...process.env, CONTEXTD_DATA_DIR: join(dir, 'data'), CONTEXTD_CONFIG_DIR: join(dir, 'config'), CONTEXTD_WORKERS: '0', ...extra }),
  );
  t.teardown(() => engine.close());
  return engine;
}

/** Runs fn with GIT_TRACE on, returns the paths git blame was run on (git's own record, not ours). */
async function tracingBlame<T>(dir: string, fn: () => Promise<T>): Promise<{ result: T; blamed: string[] }> {
  const trace = join(dir, `trace-${Date.now()}-${Math.random()}.txt`);
  process.env.GIT_TRACE = trace;
  try {
    const result = await fn();
    const lines = existsSync(trace) ? readFileSync(trace, 'utf8').split('\n') : [];
    const blamed = lines.filter((l) => /built-in: git blame /.test(l)).map((l) => l.slice(l.lastIndexOf(' -- ') + 4).replace(/^'|'$/g, ''));
    return { result, blamed: blamed.sort() };
  } finally {
    delete process.env.GIT_TRACE;
    rmSync(trace, { force: true });
  }
}

/** git's own per-line answer (`--line-porcelain`), independent of our parser. */
function gitBlame(dir: string, path: string): { sha: string; author: string; time: number }[] {
  const out = fixtureGit(dir, ['blame', '--line-porcelain', 'HEAD', '--', path]);
  const lines: { sha: string; author: string; time: number }[] = [];
  let cur = { sha: '', author: '', time: 0 };
  for (const l of out.split('\n')) {
    const m = /^([0-9a-f]{40}) \d+ \d+/.exec(l);
    if (m) cur = { sha: m[1], author: '', time: 0 };
    else if (l.startsWith('author-mail ')) cur.author = l.slice(12);
    else if (l.startsWith('author-time ')) cur.time = Number(l.slice(12));
    else if (l.startsWith('\t')) lines.push(cur);
  }
  return lines;
}

const iso = (s: number) => new Date(s * 1000).toISOString().replace('.000Z', 'Z');

t.test('every chunk: blame aggregated exactly as git blame says', async (t) => {
  const dir = tempDir(t);
  const h = await buildFixture('history', join(dir, 'repo'));
  const engine = await openEngine(t, dir);
  const summary = await engine.index(h.dir);
  t.ok(summary.history, 'history ran as part of the index run');
  t.match(summary.history, { commits: 10, commitsWalked: 10, fullLog: true, skipped: {}, shallow: false });
  // src/metrics.py: added once on the branch, never changed since: attributed without running blame.
  t.equal(summary.history!.attributed, 1, 'one file needs no blame');
  t.equal(summary.history!.blamed + summary.history!.attributed, summary.files, 'every file has its history');

  const repo = await engine.repoFor(h.dir);
  let checked = 0;
  for (const path of (await engine.store.listFiles(repo.id)).keys()) {
    const lines = gitBlame(h.dir, path);
    for (const chunk of await engine.store.fileChunks(repo.id, path)) {
      const own = lines.slice(chunk.startLine - 1, chunk.endLine);
      const shas = new Set(own.map((l) => l.sha));
      const authors = new Set(own.map((l) => l.author.toLowerCase()));
      const times = own.map((l) => l.time);
      const newest = own.reduce((a, b) => (b.time > a.time ? b : a));
      const report = await engine.history(`${path}:${chunk.startLine}-${chunk.endLine}`, { repo: h.dir });
      const where = `${path}:${chunk.startLine}-${chunk.endLine}`;
      t.equal(report.summary.commits, shas.size, `${where}: commits`);
      t.equal(report.summary.authors, authors.size, `${where}: authors`);
      t.equal(report.summary.lastChange?.sha, newest.sha, `${where}: last change`);
      t.equal(report.summary.oldest, iso(Math.min(...times)), `${where}: oldest line`);
      t.equal(report.summary.newest, iso(Math.max(...times)), `${where}: newest line`);
      const perCommit = new Map<string, number>();
      for (const l of own) perCommit.set(l.sha, (perCommit.get(l.sha) ?? 0) + 1);
      t.same(new Map(report.commits.map((c) => [c.sha!, c.lines])), perCommit, `${where}: lines per commit`);
      checked++;
    }
  }
  t.ok(checked >= 10, `${checked} chunks checked`);

  // And the facts the fixture was written for.
  const byRace = h.commits.find((c) => c.subject === 'fix race in cache invalidation')!.sha;
  const inv = await engine.history('src/cache.py#invalidate', { repo: h.dir });
  t.equal(inv.symbol, 'Cache.invalidate');
  t.same(inv.commits.find((c) => c.sha === byRace)?.ranges, [[21, 22]], 'the race fix still owns the two locked lines');
  t.equal(inv.summary.lastChange?.subject, 'Stop the thundering herd when entries expire');
  const cache = await engine.history('src/cache.py', { repo: h.dir });
  t.equal(cache.summary.commits, 4);
  t.same(cache.summary.topAuthors, ['Alice Chen', 'Bob Okafor', 'Carol Diaz']);
  t.equal(cache.fileCommits, 4);
  const helpers = await engine.history('src/helpers.py', { repo: h.dir });
  t.same(helpers.formerNames, ['src/util.py'], 'the rename is known');
  t.same(
    helpers.commits.map((c) => [c.subject, c.lines]),
    [
      ['Move string helpers into a helpers module', 0],
      ['Add LRU cache and row store', 2],
    ],
    'whole-file history: the rename owns no line, the original commit owns both',
  );
});

t.test('a merge that resolves a conflict owns the lines it wrote', async (t) => {
  const dir = tempDir(t);
  const h = await buildFixture('history', join(dir, 'repo'));
  const env = { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1', ...COMMITTER };
  const git = (args: string[]) => execFileSync('git', args, { cwd: h.dir, env, stdio: ['ignore', 'pipe', 'pipe'] }).toString();
  git(['checkout', '-q', '-b', 'topic']);
  writeFileSync(join(h.dir, 'src/util2.py'), 'def a():\n    return 1\n');
  writeFileSync(join(h.dir, 'src/schema.py'), 'COLUMNS = ["topic"]\n');
  git(['add', '-A']);
  git(['commit', '-qm', 'Topic work']);
  git(['checkout', '-q', 'main']);
  writeFileSync(join(h.dir, 'src/schema.py'), 'COLUMNS = ["main"]\n');
  git(['commit', '-qam', 'Main work']);
  try {
    git(['merge', '-q', '--no-ff', 'topic', '-m', 'Merge topic']);
  } catch {
    // the conflict in schema.py, resolved by hand; util2.py is changed in the merge too (an "evil merge")
  }
  writeFileSync(join(h.dir, 'src/schema.py'), 'COLUMNS = ["main", "topic"]\n');
  writeFileSync(join(h.dir, 'src/util2.py'), 'def a():\n    return 2\n');
  git(['add', '-A']);
  git(['commit', '-qm', 'Merge topic, keeping both columns']);

  const engine = await openEngine(t, dir);
  const s = await engine.index(h.dir);
  for (const path of ['src/schema.py', 'src/util2.py']) {
    const lines = gitBlame(h.dir, path);
    const report = await engine.history(path, { repo: h.dir });
    const mine = new Map(report.commits.filter((c) => c.lines).map((c) => [c.sha!, c.lines]));
    const theirs = new Map<string, number>();
    for (const l of lines) theirs.set(l.sha, (theirs.get(l.sha) ?? 0) + 1);
    t.same(mine, theirs, `${path}: lines per commit as git blame says`);
  }
  const merge = fixtureGit(h.dir, ['rev-parse', 'HEAD']).trim();
  t.ok(
    (await engine.history('src/util2.py', { repo: h.dir })).commits.some((c) => c.sha === merge && c.lines === 1),
    'the merge owns the line it changed',
  );
  t.ok(s.history!.attributed >= 1);
  // Co-change ignores merges: schema.py and util2.py changed together only in the merge and in Topic work.
  const rel = await engine.related('src/util2.py', { repo: h.dir });
  t.same(
    rel.related.map((r) => [r.path, r.count]),
    [['src/schema.py', 1]],
  );
  t.equal(rel.commits, 1);
});

/** Every stored attribution equals git blame's, line by line, for every file of the view. */
async function assertMatchesGit(t: Tap, engine: Engine, dir: string, label: string): Promise<void> {
  const repo = await engine.repoFor(dir);
  for (const path of (await engine.store.listFiles(repo.id)).keys()) {
    const stored = await engine.store.fileBlame(repo.id, path);
    const mine: (string | null)[] = [];
    for (const r of stored?.ranges ?? []) for (let l = r.start; l <= r.end; l++) mine.push(r.sha);
    t.same(
      mine,
      gitBlame(dir, path).map((l) => l.sha),
      `${label}: ${path} attributed as git blame does`,
    );
  }
}
type Tap = { same: (a: unknown, b: unknown, m?: string) => void };

t.test('incremental: after a commit only its files are re-attributed; nothing is redone otherwise', async (t) => {
  const dir = tempDir(t);
  const h = await buildFixture('history', join(dir, 'repo'));
  const engine = await openEngine(t, dir);
  await engine.index(h.dir);

  const noop = await tracingBlame(dir, () => engine.index(h.dir));
  t.same(noop.blamed, [], 'a re-run with nothing new runs no blame');
  t.match(noop.result.history, { blamed: 0, derived: 0, attributed: 0, commitsWalked: 0, updatedPaths: [] });

  // An uncommitted edit: that file only, and its new lines are not committed yet.
  appendFileSync(join(h.dir, 'src/store.py'), '\n\ndef height():\n    return 0\n');
  const dirty = await tracingBlame(dir, () => engine.index(h.dir));
  t.same(dirty.blamed, ['src/store.py']);
  t.same(dirty.result.history?.updatedPaths, ['src/store.py']);
  const height = await engine.history('src/store.py#height', { repo: h.dir });
  t.equal(height.summary.status, 'uncommitted');
  t.equal(height.summary.uncommittedLines, 2);
  t.same(
    height.commits.map((c) => c.sha),
    [null],
    'not committed yet',
  );

  // A run on file events (paths) looks at its paths only, not at the whole view.
  appendFileSync(join(h.dir, 'README.md'), '\nMore notes.\n');
  const pathRun = await tracingBlame(dir, () => engine.index(h.dir, { paths: ['src/helpers.py'] }));
  t.same(pathRun.result.history?.updatedPaths, [], 'README.md changed but is not in this run');
  t.same(pathRun.blamed, []);
  const readmeRun = await tracingBlame(dir, () => engine.index(h.dir, { paths: ['README.md'] }));
  t.same(readmeRun.blamed, ['README.md']);
  t.same(readmeRun.result.history?.updatedPaths, ['README.md']);
  fixtureGit(h.dir, ['checkout', '--', 'README.md']);
  await engine.index(h.dir, { paths: ['README.md'] });

  // Committing exactly that content: its uncommitted lines become the commit's, without a blame.
  const sha1 = commit(h.dir, 'Add a height helper to the store');
  const one = await tracingBlame(dir, () => engine.index(h.dir));
  t.same(one.result.history?.updatedPaths, ['src/store.py'], 'a 1-file commit updates that file only');
  t.match(one.result.history, { commitsWalked: 1, fullLog: false, derived: 1, blamed: 0 });
  t.same(one.blamed, [], 'carried across the commit: no blame needed');
  const after = await engine.history('src/store.py#height', { repo: h.dir });
  t.equal(after.summary.lastChange?.sha, sha1);
  t.equal(after.summary.lastChange?.author, 'Dana Reyes');
  t.equal(after.summary.uncommittedLines, 0);
  await assertMatchesGit(t, engine, h.dir, 'after a committed edit');

  // A commit the index never saw dirty: changed lines in the middle, a deletion, an insertion, a rename.
  const cache = readFileSync(join(h.dir, 'src/cache.py'), 'utf8').split('\n');
  cache.splice(5, 1, '        self.size = max(1, size)');
  cache.splice(12, 1);
  cache.splice(2, 0, '# caching primitives', '');
  writeFileSync(join(h.dir, 'src/cache.py'), cache.join('\n'));
  writeFileSync(join(h.dir, 'src/schema.py'), 'COLUMNS = ["key", "value", "expires_at", "evicted", "height"]\n');
  appendFileSync(join(h.dir, 'tests/test_cache.py'), '\n\ndef test_more():\n    pass\n');
  fixtureGit(h.dir, ['mv', 'src/metrics.py', 'src/stats.py']);
  commit(h.dir, 'Schema height, one more test, rename metrics');
  const four = await tracingBlame(dir, () => engine.index(h.dir));
  t.same(four.result.history?.updatedPaths, ['src/cache.py', 'src/schema.py', 'src/stats.py', 'tests/test_cache.py'], "exactly the commit's files");
  t.same(four.blamed, [], 'all carried across the diff');
  t.equal(four.result.history?.dropped, 1, 'the old name leaves the blame table');
  await assertMatchesGit(t, engine, h.dir, 'after a 4-file commit');
  const stats = await engine.history('src/stats.py', { repo: h.dir });
  t.same(stats.formerNames, ['src/metrics.py']);
  t.equal(stats.summary.lastChange?.subject, 'Export a metrics snapshot', "a rename keeps the lines' owners");

  // Two commits before the next run: no single diff to carry across; blame runs, for their files only.
  appendFileSync(join(h.dir, 'src/helpers.py'), '\n\ndef dasherize(text):\n    return text.replace("_", "-")\n');
  commit(h.dir, 'Add dasherize', '2024-02-02T12:00:00Z');
  appendFileSync(join(h.dir, 'README.md'), '\nHelpers: slugify, dasherize.\n');
  commit(h.dir, 'Document the helpers', '2024-02-03T12:00:00Z');
  const two = await tracingBlame(dir, () => engine.index(h.dir));
  t.same(two.blamed, ['README.md', 'src/helpers.py'], 'blame only for the files the two commits changed');
  t.match(two.result.history, { commitsWalked: 2, derived: 0, blamed: 2 });
  await assertMatchesGit(t, engine, h.dir, 'after two commits');
});

t.test('branch switch, detached HEAD, rewritten history', async (t) => {
  const dir = tempDir(t);
  const h = await buildFixture('history', join(dir, 'repo'));
  const engine = await openEngine(t, dir);
  await engine.index(h.dir);
  const repo = await engine.repoFor(h.dir);

  fixtureGit(h.dir, ['checkout', '-q', '--detach', 'feature/metrics']);
  const detached = await engine.index(h.dir);
  const reachable = fixtureGit(h.dir, ['rev-list', 'HEAD']).trim().split('\n');
  t.equal(detached.history?.commits, reachable.length, 'only commits reachable from the detached HEAD');
  t.equal(detached.history?.commitsRemoved, 10 - reachable.length);
  const recent = await engine.changes({ repo: h.dir, since: '2023-01-01' });
  t.same(new Set(recent.commits.map((c) => c.sha)), new Set(reachable), 'changes only lists reachable commits');
  const lines = gitBlame(h.dir, 'src/cache.py');
  const blame = await engine.store.blameForRanges([{ repoId: repo.id, path: 'src/cache.py', startLine: 1, endLine: lines.length }]);
  t.same(new Set(blame[0].owners.map((o) => o.commit?.sha)), new Set(lines.map((l) => l.sha)), 'cache.py re-blamed for this checkout');

  fixtureGit(h.dir, ['checkout', '-q', 'main']);
  const back = await engine.index(h.dir);
  t.equal(back.history?.commits, 10);
  t.match(back.history, { fullLog: false });

  // Amend the last commit: the old one becomes unreachable and leaves the repository's history.
  fixtureGit(h.dir, ['commit', '-q', '--amend', '-m', 'Mark evicted rows (amended)']);
  const amended = await engine.index(h.dir);
  t.match(amended.history, { commits: 10, commitsRemoved: 1, commitsWalked: 1 });
  const schema = await engine.history('src/schema.py', { repo: h.dir });
  t.equal(schema.summary.lastChange?.subject, 'Mark evicted rows (amended)');
  t.notOk(
    schema.commits.some((c) => c.subject === 'Mark evicted rows in the store'),
    'the rewritten commit is gone',
  );
  const pruned = await engine.store.prune();
  t.equal(pruned.commits, 1, 'prune drops the commit no repository reaches any more');
  t.equal((await engine.history('src/cache.py', { repo: h.dir })).summary.commits, 4, 'and nothing still in use');
  await assertMatchesGit(t, engine, h.dir, 'after amend and prune');
});

t.test('shallow clone, no commits, huge files, worktree, submodule', async (t) => {
  const dir = tempDir(t);
  const h = await buildFixture('history', join(dir, 'repo'));

  // Shallow: history truncated at the graft, and said so.
  const shallow = await shallowClone(h.dir, join(dir, 'shallow'), 2);
  const engine = await openEngine(t, dir);
  const s = await engine.index(shallow.dir);
  t.match(s.history, { shallow: true, commits: 2 });
  const cache = await engine.history('src/cache.py', { repo: shallow.dir });
  t.equal(cache.summary.truncated, true);
  t.match(cache.summary.note, /history truncated/);
  const [hit] = await engine.search('invalidate', { repo: shallow.dir, limit: 1 });
  t.equal(hit.history.truncated, true, 'search hits carry it too');
  const schema = await engine.history('src/schema.py', { repo: shallow.dir });
  t.equal(schema.summary.truncated, false, 'a file whose lines all come from after the graft is not truncated');

  // A file over history.maxBlameBytes (300 here): skipped, and said so.
  const small = await openEngine(t, join(dir, 'small'), { CONTEXTD_MAX_BLAME_BYTES: '300' });
  const limited = await small.index(h.dir);
  t.equal(limited.history?.skipped['too-large'], 2, 'cache.py and its test are over 300 bytes');
  t.equal(limited.history!.blamed + limited.history!.attributed, limited.files - 2);
  const big = await small.history('tests/test_cache.py', { repo: h.dir });
  t.equal(big.summary.status, 'too-large');
  t.match(big.summary.note, /blame skipped: \d+ bytes is over history.maxBlameBytes \(300\)/);
  const [bigHit] = await small.search('pending entry shared', { repo: h.dir, limit: 1 });
  t.match(bigHit, { path: 'tests/test_cache.py', history: { status: 'too-large', lastChange: null } });

  // No commits at all: everything is not committed yet, and no git blame runs.
  const empty = await buildFixture('empty', join(dir, 'empty'));
  const e = await tracingBlame(dir, () => engine.index(empty.dir));
  t.same(e.blamed, []);
  t.match(e.result.history, { head: null, commits: 0, uncommitted: 1 });
  const hello = await engine.history('hello.py', { repo: empty.dir });
  t.match(hello.summary, { status: 'uncommitted', uncommittedLines: 1, lastChange: null });
  // ...then the first commit.
  commit(empty.dir, 'First commit');
  const first = await engine.index(empty.dir);
  t.match(first.history, { commits: 1, attributed: 1 });
  t.equal((await engine.history('hello.py', { repo: empty.dir })).summary.lastChange?.subject, 'First commit');

  // A linked worktree is a repository of its own, sharing objects (and stored commits).
  fixtureGit(h.dir, ['worktree', 'add', '-q', '--detach', join(dir, 'wt'), 'feature/metrics']);
  const wt = await engine.index(join(dir, 'wt'));
  t.match(wt.history, { commits: 6 });
  t.equal(wt.history!.blamed + wt.history!.attributed, wt.files);
  t.equal((await engine.history('src/metrics.py', { repo: join(dir, 'wt') })).summary.lastChange?.subject, 'Export a metrics snapshot');

  // A submodule: skipped by its parent, indexed as its own repository.
  const sub = await buildFixture('history', join(dir, 'sub-src'));
  const parent = join(dir, 'parent');
  mkdirSync(parent);
  fixtureGit(parent, ['init', '-q']);
  writeFileSync(join(parent, 'main.py'), 'print(1)\n');
  fixtureGit(parent, ['add', 'main.py']);
  fixtureGit(parent, ['-c', 'protocol.file.allow=always', 'submodule', 'add', '-q', sub.dir, 'vendored']);
  commit(parent, 'Parent with a submodule');
  const p = await engine.index(parent);
  t.equal(p.skipped.submodule, 1);
  t.match(p.history, { commits: 1, blamed: 0, attributed: 2 }, 'main.py and .gitmodules, both added by the only commit');
  const inner = await engine.index(join(parent, 'vendored'));
  t.match(inner.history, { commits: 10 });
  t.equal(inner.history!.blamed + inner.history!.attributed, inner.files);
  t.equal((await engine.history('src/cache.py#invalidate', { repo: join(parent, 'vendored') })).summary.commits, 3);
});

t.test('a crash never marks unfinished work done', async (t) => {
  const dir = tempDir(t);
  const h = await buildFixture('history', join(dir, 'repo'));
  const engine = await openEngine(t, dir);
  await engine.index(h.dir, { history: false });
  const repo = await engine.repoFor(h.dir);
  const config = { ...engine.config.history, blameConcurrency: 1 };

  // The log walk dies before its final transaction: the tip does not move.
  let failLog = true;
  const flaky = new Proxy(engine.store, {
    get(target, prop, receiver) {
      if (prop === 'finishLogUpdate' && failLog)
        return async () => {
          failLog = false;
          throw new Error('simulated crash');
        };
      const v = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  }) as MetadataStore;
  await t.rejects(enrichHistory({ store: flaky, config }, repo.id, h.dir), /simulated crash/);
  t.equal((await engine.store.historyState(repo.id))?.logTip ?? null, null, 'tip not moved');

  // Blame stops after two files (an abort, as on shutdown): those two are stored, the rest stays pending.
  const abort = new AbortController();
  await t.rejects(
    enrichHistory({ store: engine.store, config }, repo.id, h.dir, {
      signal: abort.signal,
      onProgress: (done) => done === 2 && abort.abort(new Error('stopping')),
    }),
    /stopping/,
  );
  const state = await engine.store.historyState(repo.id);
  t.equal(state?.logTip, h.commits.at(-1)!.sha, 'the log walk finished this time');
  const pending = (await engine.store.blameWork(repo.id)).toBlame.length;
  const files = (await engine.store.stats(repo.id)).files;
  t.equal(pending, files - 2, 'files not blamed are still pending');

  const rest = await enrichHistory({ store: engine.store, config }, repo.id, h.dir);
  t.match(rest, { commitsWalked: 0 });
  t.equal(rest.blamed + rest.attributed, pending);
  t.equal((await engine.store.blameWork(repo.id)).toBlame.length, 0);
  t.equal((await engine.history('src/cache.py', { repo: h.dir })).summary.commits, 4, 'and the result is complete');
});
