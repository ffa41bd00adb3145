/**
 * `contextd locate` on a real git repository (fixtures/locate-repo.ts) on both store
 * engines: ranking with reasons, tests paired with sources, weights learned from the
 * repository's own history and stored with the index, never from a commit newer than the
 * indexed one (leave-future-out), retrained as the history grows; the CLI's JSON and text.
 */
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { appendFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildFixture } from '../fixtures/repos.js';
import { fixtureGit } from '../fixtures/repo-builder.js';
import { LOCATE_HISTORY } from '../fixtures/locate-repo.js';
import { loadConfig } from '../daemon/config/config.js';
import { Engine, type LocateResult } from '../daemon/engine.js';
import { buildCorpus } from '../daemon/locate/corpus.js';
import { querySignals } from '../daemon/locate/signals.js';
import { replayCommits } from '../daemon/locate/locate.js';
import { parseModel } from '../daemon/locate/model.js';
import { isolatedEnv, runCli, tempDir } from './helpers/cli.js';
import { pgForTest, pgSchemaUrl } from './helpers/services.js';

type ServiceT = Parameters<typeof pgForTest>[0];
const asT = (x: unknown) => x as ServiceT;
const pg = await pgForTest(asT(t));

async function openEngine(t: { teardown: (fn: () => unknown) => void }, dir: string, extra: Record<string, string> = {}): Promise<Engine> {
  const engine = await Engine.open(
    loadConfig({ ...process.env, CONTEXTD_DATA_DIR: join(dir, 'data'), CONTEXTD_CONFIG_DIR: join(dir, 'config'), CONTEXTD_WORKERS: '0', ...extra }),
  );
  t.teardown(() => engine.close());
  return engine;
}

const backends: { name: string; env: (t: unknown) => Record<string, string> }[] = [
  { name: 'sqlite', env: () => ({}) },
  ...(pg ? [{ name: 'postgres', env: (t: unknown) => ({ CONTEXTD_DATABASE_URL: pgSchemaUrl(asT(t), pg.url, 'locate'), CONTEXTD_MACHINE: 'machine-a' }) }] : []),
];

const answers = new Map<string, LocateResult>();

for (const backend of backends) {
  t.test(`locate ranks files by content and history, learned per repository (${backend.name})`, async (t) => {
    const dir = tempDir(t);
    const repo = await buildFixture('locate', join(dir, 'repo'));
    const engine = await openEngine(t, dir, backend.env(t));
    await engine.index(repo.dir);
    await engine.embedPending();

    // "coupon" is in commit messages only (the code says voucher): the history must find these files.
    const tracked = fixtureGit(repo.dir, ['ls-files', '-z']).split('\0').filter(Boolean);
    t.notOk(
      tracked.some((p) => /coupon/i.test(readFileSync(join(repo.dir, p), 'utf8'))),
      'no file mentions coupons',
    );
    const r = await engine.locate('coupon expiry is ignored at checkout', { repo: repo.dir, limit: 5 });
    answers.set(backend.name, r);
    t.equal(r.files[0].path, 'src/pricing.js', 'the file the coupon commits changed most ranks first');
    const cart = r.files.find((f) => f.path === 'src/cart.js');
    t.ok(cart, `cart.js in the top 5 (${r.files.map((f) => f.path)})`);
    t.match(cart?.reasons.join('\n') ?? '', /similar past commit [0-9a-f]{7} "add coupon codes to the cart"/, 'because a coupon commit changed it');
    const pricing = r.files[0];
    t.match(
      pricing.reasons.join('\n'),
      /similar past commit [0-9a-f]{7} "coupon expiry dates are respected" \(2024-/,
      'a reason names the similar commit, its subject and date',
    );
    t.match(pricing.reasons.join('\n'), /tests: test\/pricing\.test\.js/, 'and its test');
    t.same(pricing.paired, ['test/pricing.test.js']);
    t.equal(pricing.role, 'source');
    t.ok(pricing.signals.commits > 0 && pricing.signals.lexical === 0, 'found by history, not by its words');

    // Learned from its own history, stored with the index.
    const head = fixtureGit(repo.dir, ['rev-parse', 'HEAD']).trim();
    t.equal(r.model.source, 'learned', r.model.training.reason);
    t.equal(r.model.trainedCommit, head, 'trained at the indexed commit');
    t.equal(r.model.historyCommits, LOCATE_HISTORY.length + 1);
    t.ok(r.model.training.validation && r.model.training.validation.evalOn > 0, 'with an out-of-sample check');
    const stored = await engine.store.getLocateModel((await engine.repoFor(repo.dir)).id);
    t.same(parseModel(stored!.model)!.weights, r.model.weights, 'the weights are stored');

    // A test file ranks when the description is about tests, marked as one.
    const tests = await engine.locate('unit tests for the password check', { repo: repo.dir, limit: 6 });
    const authTest = tests.files.find((f) => f.path === 'test/auth.test.js');
    t.ok(authTest, `the auth test is listed (${tests.files.map((f) => f.path)})`);
    t.equal(authTest?.role, 'test');
    t.match(authTest?.reasons.join('\n') ?? '', /test of src\/auth\.js/);

    await t.rejects(engine.locate('   ', { repo: repo.dir }), { code: 'bad-argument' });
  });
}

t.test('both engines give the same answer', async (t) => {
  if (answers.size < 2) {
    t.comment('PostgreSQL unavailable: compared nothing');
    return;
  }
  t.same(answers.get('postgres')!.files, answers.get('sqlite')!.files);
  t.same(answers.get('postgres')!.model.weights, answers.get('sqlite')!.model.weights);
});

t.test('leave-future-out: history signals and training never see a later commit', async (t) => {
  const dir = tempDir(t);
  const repo = await buildFixture('locate', join(dir, 'repo'));
  const engine = await openEngine(t, dir);
  await engine.index(repo.dir);
  const id = (await engine.repoFor(repo.dir)).id;
  const texts = await engine.store.locateFileTexts(id);
  const commits = await engine.store.locateCommits(id);
  const corpus = buildCorpus(texts, commits, (await engine.repoFor(repo.dir)).indexedCommit);
  const first = corpus.commits.findIndex((c) => c.subject === 'add coupon codes to the cart');
  t.ok(first > 0);
  const cart = corpus.fileIndex.get('src/cart.js')!;
  const signal = async (cutoff: number) =>
    (await querySignals(corpus, 'add coupon codes to the cart', cutoff, null)).candidates.find((c) => c.file === cart)?.signals.commits ?? 0;
  t.equal(await signal(first), 0, 'replaying that commit: its own message is not in the past');
  t.ok((await signal(first + 1)) > 0, 'one commit later it is');

  // The corpus ends at the indexed commit even if the store knew later ones.
  const cut = buildCorpus(texts, commits, commits[5].sha);
  t.equal(cut.commits.length, 6);
  t.ok(
    replayCommits(cut).every((j) => j < 6),
    'replays only commits up to the indexed one',
  );

  // Commits made after indexing: not used until they are indexed; then the model is retrained.
  const before = await engine.locate('coupon', { repo: repo.dir });
  for (let i = 0; i < 10; i++) {
    appendFileSync(join(repo.dir, 'src/cart.js'), `export const STEP_${i} = ${i};\n`);
    const date = `2024-04-${String(i + 1).padStart(2, '0')}T10:00:00Z`;
    execFileSync('git', ['commit', '-q', '-am', `coupon refactoring step ${i} in the new checkout`], {
      cwd: repo.dir,
      env: {
        ...process.env,
        GIT_CONFIG_GLOBAL: '/dev/null',
        GIT_CONFIG_NOSYSTEM: '1',
        GIT_AUTHOR_NAME: 'Dana',
        GIT_AUTHOR_EMAIL: 'dana@shop.invalid',
        GIT_COMMITTER_NAME: 'Dana',
        GIT_COMMITTER_EMAIL: 'dana@shop.invalid',
        GIT_AUTHOR_DATE: date,
        GIT_COMMITTER_DATE: date,
      },
    });
  }
  const stale = await engine.locate('coupon', { repo: repo.dir });
  t.equal(stale.model.trainedCommit, before.model.trainedCommit, 'not indexed yet: the same model');
  await engine.index(repo.dir);
  const after = await engine.locate('coupon', { repo: repo.dir });
  const head = fixtureGit(repo.dir, ['rev-parse', 'HEAD']).trim();
  t.equal(after.model.trainedCommit, head, 'retrained at the new indexed commit');
  t.equal(
    after.model.historyCommits,
    before.model.historyCommits + 10,
    `over the grown history (${before.model.historyCommits} → ${after.model.historyCommits})`,
  );
});

t.test('contextd locate: JSON, text, --explain, errors', async (t) => {
  const dir = tempDir(t);
  const repo = await buildFixture('locate', join(dir, 'repo'));
  const { env } = isolatedEnv(join(dir, 'home'));
  const idx = await runCli(['index', repo.dir], { env });
  t.equal(idx.code, 0, idx.stderr);
  const json = await runCli(['locate', 'coupon', 'expiry', 'is', 'ignored', '--repo', repo.dir, '--json', '--limit', '3'], { env });
  t.equal(json.code, 0, json.stderr);
  const files = JSON.parse(json.stdout) as { path: string; score: number; reasons: string[] }[];
  t.equal(files.length, 3);
  t.equal(files[0].path, 'src/pricing.js');
  t.ok(
    files.every((f) => typeof f.score === 'number' && f.reasons.every((r) => typeof r === 'string' && !r.includes('\n'))),
    'reasons are one line each',
  );

  const text = await runCli(['locate', 'coupon expiry is ignored', '--explain'], { env, cwd: repo.dir });
  const explained = await runCli(['locate', 'coupon', '--repo', repo.dir, '--json', '--explain'], { env });
  t.match(JSON.parse(explained.stdout), { via: 'in-process', model: { source: 'learned' } }, 'no daemon: answered in this process');
  t.equal(text.code, 0, text.stderr);
  t.match(text.stdout, /^ 1\. src\/pricing\.js/m);
  t.match(text.stdout, /weights learned from this repository \(fitted on \d+ replayed commits\)/);
  t.match(text.stdout, /fitted on the older \d+, measured on the newest \d+:/);

  const help = await runCli(['locate', '--help'], { env });
  t.match(help.stdout, /--explain/);
  const empty = await runCli(['locate', ' ', '--repo', repo.dir], { env });
  t.equal(empty.code, 2, 'an empty description is a usage error');
  t.match(empty.stderr, /describe the change/);
});

t.test('contextd migrate carries the learned weights (no retraining after the move)', async (t) => {
  if (!pg) {
    t.comment('PostgreSQL unavailable: nothing to migrate into');
    return;
  }
  const dir = tempDir(t);
  const repo = await buildFixture('locate', join(dir, 'repo'));
  const url = pgSchemaUrl(asT(t), pg.url, 'locate_migrate');
  const base: NodeJS.ProcessEnv = { ...process.env, CONTEXTD_CONFIG_DIR: join(dir, 'cfg'), CONTEXTD_WORKERS: '0', CONTEXTD_MACHINE: 'box' };
  delete base.CONTEXTD_DATABASE_URL;
  const a = await Engine.open(loadConfig({ ...base, CONTEXTD_DATA_DIR: join(dir, 'a') }));
  await a.index(repo.dir);
  const before = await a.locate('coupon expiry', { repo: repo.dir });
  await a.close();
  const up = await runCli(['migrate', '--json'], { env: { ...base, CONTEXTD_DATA_DIR: join(dir, 'a'), CONTEXTD_DATABASE_URL: url } });
  t.equal(up.code, 0, up.stderr);
  t.match(JSON.parse(up.stdout), { tables: { locate_models: 1 } });
  const b = await openEngine(t, join(dir, 'b'), { CONTEXTD_DATABASE_URL: url, CONTEXTD_MACHINE: 'box' });
  const after = await b.locate('coupon expiry', { repo: repo.dir });
  t.equal(after.model.trainedAt, before.model.trainedAt, 'the stored model, not a new training');
  t.same(after.model.weights, before.model.weights);
});

t.test('the file side of the corpus is cached on disk, and a broken cache is rebuilt', async (t) => {
  const dir = tempDir(t);
  const repo = await buildFixture('locate', join(dir, 'repo'));
  const first = await openEngine(t, dir);
  await first.index(repo.dir);
  const a = await first.locate('coupon expiry is ignored', { repo: repo.dir });
  const cacheDir = join(dir, 'data', 'locate');
  const files = readdirSync(cacheDir).filter((f) => f.endsWith('.bin'));
  t.equal(files.length, 1, 'one cache file for the repository');
  await first.close();

  const second = await openEngine(t, dir);
  const b = await second.locate('coupon expiry is ignored', { repo: repo.dir });
  t.same(b.files, a.files, 'the same answer from the cached corpus');
  await second.close();

  writeFileSync(join(cacheDir, files[0]), 'not a cache');
  const third = await openEngine(t, dir);
  t.same((await third.locate('coupon expiry is ignored', { repo: repo.dir })).files, a.files, 'a broken cache is rebuilt');
  t.not(readFileSync(join(cacheDir, files[0]), 'utf8'), 'not a cache', 'and written again');
});
