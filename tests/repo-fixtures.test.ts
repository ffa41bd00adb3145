import t from 'tap';
import { execFileSync, spawnSync } from 'node:child_process';
import { lstatSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import path from 'node:path';
import { buildRepo, fixtureGit, shallowClone } from '../fixtures/repo-builder.js';
import { BASIC_UNICODE_PATH, buildFixture } from '../fixtures/repos.js';

const root = t.testdir();

t.test('builds are deterministic: same spec, same commit ids', async (t) => {
  const a = await buildFixture('basic', path.join(root, 'basic-a'));
  const b = await buildFixture('basic', path.join(root, 'basic-b'));
  t.equal(a.commits.length, 4);
  t.same(a.commits, b.commits);
  t.equal(fixtureGit(a.dir, ['rev-parse', 'HEAD']).trim(), a.commits[3].sha);
});

t.test('basic: authors, dates, tree contents', async (t) => {
  const { dir } = await buildFixture('basic', path.join(root, 'basic'));
  const log = fixtureGit(dir, ['log', '--reverse', '--format=%an|%ae|%aI|%cn|%cI|%s']).trim().split('\n');
  t.same(log, [
    'Ada Lovelace|ada@example.com|2024-01-10T09:00:00+00:00|Ada Lovelace|2024-01-10T09:00:00+00:00|Initial project layout',
    'Grace Hopper|grace@example.com|2024-02-03T14:30:00+00:00|Grace Hopper|2024-02-03T14:30:00+00:00|Add assets, data table and deployment settings',
    'Ada Lovelace|ada@example.com|2024-02-20T08:15:00+00:00|Ada Lovelace|2024-02-20T08:15:00+00:00|Add helpers, generated code, web bundle and links',
    'Grace Hopper|grace@example.com|2024-03-05T16:45:00+00:00|Grace Hopper|2024-03-05T16:45:00+00:00|Reject non-object JSON configs',
  ]);
  t.equal(fixtureGit(dir, ['log', '-1', '--format=%b', 'HEAD~2']).trim(), 'The table is generated offline; the key is a placeholder.');
  t.equal(readlinkSync(path.join(dir, 'links/loop')), 'loop');
  t.ok(lstatSync(path.join(dir, 'links/up')).isSymbolicLink());
  t.ok(statSync(path.join(dir, 'data/big_table.py')).size > 1024 * 1024);
  t.ok(readFileSync(path.join(dir, 'assets/logo.png')).includes(0));
  t.ok(statSync(path.join(dir, 'scripts/run.sh')).mode & 0o100, 'executable bit');
  t.equal(readFileSync(path.join(dir, BASIC_UNICODE_PATH), 'utf8').includes('façade'), true);
  t.match(readFileSync(path.join(dir, 'src/config_loader.py'), 'utf8'), /def parse_json_config\(/);
  t.match(readFileSync(path.join(dir, 'src/configLoader.ts'), 'utf8'), /function parseJsonConfig\(/);
  t.same(fixtureGit(dir, ['status', '--porcelain', '--ignored']).trim().split('\n').sort(), ['!! build/', '!! debug.log', '?? notes/']);
});

t.test('history: merge, rename, co-changes, messages not in code', async (t) => {
  const h = await buildFixture('history', path.join(root, 'history'));
  const d = h.dir;
  t.equal(h.commits.length, 10);
  const merge = h.commits.find((c) => c.subject === "Merge branch 'feature/metrics'");
  t.ok(merge);
  t.equal(fixtureGit(d, ['rev-list', '--parents', '-n1', merge!.sha]).trim().split(' ').length, 3, 'a real two-parent merge');
  t.equal(fixtureGit(d, ['log', '--format=%an', '--', 'src/cache.py']).trim().split('\n').length, 4);
  t.same(new Set(fixtureGit(d, ['log', '--format=%an']).trim().split('\n')), new Set(['Alice Chen', 'Bob Okafor', 'Carol Diaz']));
  const follow = fixtureGit(d, ['log', '--follow', '--name-status', '--format=%s', '--', 'src/helpers.py']);
  t.match(follow, /R100\tsrc\/util\.py\tsrc\/helpers\.py/, 'rename recorded and followed');
  // cache.py and its test change together in every commit touching cache.py.
  for (const sha of fixtureGit(d, ['log', '--format=%H', '--', 'src/cache.py']).trim().split('\n')) {
    const files = fixtureGit(d, ['show', '--name-only', '--format=', sha]).trim().split('\n');
    t.ok(files.includes('tests/test_cache.py'), `co-change in ${sha.slice(0, 8)}`);
  }
  // The words that explain the changes live only in commit messages, so only history search finds them.
  const grep = spawnSync('git', ['grep', '-w', '-i', '-e', 'race', '-e', 'thundering', '-e', 'herd', 'HEAD'], { cwd: d, encoding: 'utf8' });
  t.equal(grep.status, 1, `no match in the code: ${grep.stdout}`);
  t.match(fixtureGit(d, ['log', '--format=%s']), /fix race in cache invalidation/);
  t.equal(fixtureGit(d, ['tag', '-l']).trim(), 'v0.1.0');
  t.equal(fixtureGit(d, ['rev-parse', 'HEAD']).trim(), h.commits.at(-1)?.sha);
});

t.test('empty: a repository without commits and one untracked file', async (t) => {
  const e = await buildFixture('empty', path.join(root, 'empty'));
  t.same(e.commits, []);
  t.throws(() => execFileSync('git', ['rev-parse', '--verify', 'HEAD'], { cwd: e.dir, stdio: 'ignore' }));
  t.equal(fixtureGit(e.dir, ['status', '--porcelain']).trim(), '?? hello.py');
});

t.test('shallowClone keeps only the last commits', async (t) => {
  const h = await buildFixture('history', path.join(root, 'history-src'));
  const c = await shallowClone(h.dir, path.join(root, 'history-shallow'), 1);
  t.same(c.commits, [h.commits.at(-1)]);
  t.equal(fixtureGit(c.dir, ['rev-parse', '--is-shallow-repository']).trim(), 'true');
});

t.test('spec paths cannot escape the repository', async (t) => {
  await t.rejects(
    buildRepo(path.join(root, 'escape'), {
      steps: [
        {
          type: 'commit',
          author: { name: 'A', email: 'a@x' },
          date: '2024-01-01T00:00:00Z',
          subject: 's',
          ops: [{ op: 'write', path: '../outside.txt', content: 'x' }],
        },
      ],
    }),
    /escapes the repository/,
  );
});
