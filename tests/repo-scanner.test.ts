import t from 'tap';
import { mkdirSync, readFileSync, rmSync, symlinkSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { classifyContent } from '../daemon/repo/content-filter.js';
import { gitBlobId } from '../daemon/repo/git.js';
import { scanRepo, type ScanResult } from '../daemon/repo/scanner.js';
import { SKIP_REASONS } from '../daemon/repo/skip-reasons.js';
import { buildRepo, fixtureGit, shallowClone } from '../fixtures/repo-builder.js';
import { BASIC_DEEP_PATH, BASIC_UNICODE_PATH, buildFixture } from '../fixtures/repos.js';

const root = t.testdir();
let n = 0;
/** A fresh copy of a fixture for tests that edit it. */
const fresh = (name: 'basic' | 'history' | 'empty') => buildFixture(name, path.join(root, `${name}-${n++}`));
const basic = await fresh('basic');

const paths = (r: ScanResult) => r.files.map((f) => f.path);
const skips = (r: ScanResult) => Object.fromEntries(r.skipped.map((s) => [s.path, s.reason]));
const file = (r: ScanResult, p: string) => {
  const f = r.files.find((x) => x.path === p);
  if (!f) throw new Error(`${p} not scanned`);
  return f;
};
/** `git ls-files -s` as path -> {mode, blob}, straight from git. */
function lsFiles(dir: string): Map<string, { mode: string; blob: string }> {
  const m = new Map<string, { mode: string; blob: string }>();
  for (const rec of fixtureGit(dir, ['ls-files', '-s', '-z']).split('\0').filter(Boolean)) {
    const [meta, p] = rec.split('\t');
    const [mode, blob] = meta.split(' ');
    m.set(p, { mode, blob });
  }
  return m;
}
const hashObject = (dir: string, p: string) => fixtureGit(dir, ['hash-object', '--', p]).trim();

const BASIC_FILES = [
  '.env.example',
  '.gitignore',
  'README.md',
  'assets/logo.png',
  'cmd/server/main.go',
  'config.js',
  'notes/todo.md',
  'scripts/run.sh',
  'src/__init__.py',
  'src/broken.py',
  'src/configLoader.ts',
  'src/config_loader.py',
  'src/legacy_latin1.py',
  'src/models_gen.go',
  BASIC_UNICODE_PATH,
  BASIC_DEEP_PATH,
  'web/bundle.js',
];
const BASIC_PATH_SKIPS = {
  '.env': 'secret',
  'data/big_table.py': 'too-large',
  'deploy/key.pem': 'secret',
  'links/loop': 'symlink',
  'links/up': 'symlink',
  'node_modules/x/index.js': 'vendored',
  'package-lock.json': 'generated',
};

t.test('basic: the exact files and path skip reasons', async (t) => {
  const r = await scanRepo(basic.dir);
  t.equal(r.root, basic.dir);
  t.equal(r.head, basic.commits.at(-1)?.sha);
  t.equal(r.shallow, false);
  t.equal(r.objectFormat, 'sha1');
  t.same(paths(r), BASIC_FILES);
  t.same(skips(r), BASIC_PATH_SKIPS);
  t.ok(r.ignoredCount >= 2, `ignoredCount ${r.ignoredCount} counts build/ and debug.log`);
  for (const p of ['build/out.js', 'debug.log']) {
    t.notOk(paths(r).includes(p) || p in skips(r), `${p} (ignored) is neither listed nor skipped`);
  }
  const untracked = r.files.filter((f) => !f.tracked).map((f) => f.path);
  t.same(untracked, ['notes/todo.md']);
  t.same(
    r.files.filter((f) => f.dirty),
    [],
    'a fresh fixture has no uncommitted change',
  );
  t.equal(file(r, 'scripts/run.sh').mode, '100755');
  t.equal(file(r, 'src/__init__.py').size, 0);
  t.equal(file(r, 'src/config_loader.py').size, readFileSync(path.join(basic.dir, 'src/config_loader.py')).length);
});

t.test('basic: content verdicts for every scanned file', async (t) => {
  const r = await scanRepo(basic.dir);
  const verdicts: Record<string, string> = {};
  for (const f of r.files) {
    const c = classifyContent(f.path, readFileSync(path.join(basic.dir, f.path)));
    verdicts[f.path] = 'skip' in c ? c.skip : c.encoding;
  }
  t.same(verdicts, {
    '.env.example': 'utf8',
    '.gitignore': 'utf8',
    'README.md': 'utf8',
    'assets/logo.png': 'binary',
    'cmd/server/main.go': 'utf8',
    'config.js': 'secret',
    'notes/todo.md': 'utf8',
    'scripts/run.sh': 'utf8',
    'src/__init__.py': 'utf8',
    'src/broken.py': 'utf8',
    'src/configLoader.ts': 'utf8',
    'src/config_loader.py': 'utf8',
    'src/legacy_latin1.py': 'latin1',
    'src/models_gen.go': 'generated',
    [BASIC_UNICODE_PATH]: 'utf8',
    [BASIC_DEEP_PATH]: 'utf8',
    'web/bundle.js': 'minified',
  });
});

t.test('blob ids: tracked from the index, untracked hashed like git', async (t) => {
  const r = await scanRepo(basic.dir);
  const index = lsFiles(basic.dir);
  for (const f of r.files.filter((x) => x.tracked)) {
    t.same({ mode: f.mode, blob: f.blob }, index.get(f.path), f.path);
  }
  t.equal(file(r, 'notes/todo.md').blob, hashObject(basic.dir, 'notes/todo.md'));
});

t.test('a too-large limit applies to files by size, strictly greater than the limit', async (t) => {
  const r = await scanRepo(basic.dir, { maxFileBytes: 100 });
  const tooLarge = r.skipped.filter((s) => s.reason === 'too-large').map((s) => s.path);
  t.same(tooLarge, ['data/big_table.py', 'src/configLoader.ts', 'src/config_loader.py', 'web/bundle.js']);
  t.equal(skips(r)['.env'], 'secret', 'path reasons still win');
  const size = readFileSync(path.join(basic.dir, 'src/config_loader.py')).length;
  t.ok(paths(await scanRepo(basic.dir, { maxFileBytes: size })).includes('src/config_loader.py'), 'size == limit is kept');
  t.equal(skips(await scanRepo(basic.dir, { maxFileBytes: size - 1 }))['src/config_loader.py'], 'too-large');
  // The same rule for untracked files, which are read.
  t.equal(skips(await scanRepo(basic.dir, { maxFileBytes: 10 }))['notes/todo.md'], 'too-large');
});

t.test('clean tracked files are not read: their key is the index blob id', async (t) => {
  const repo = await fresh('basic');
  const rel = 'src/config_loader.py';
  const abs = path.join(repo.dir, rel);
  const original = readFileSync(abs);
  // Make git judge cleanliness by size and mtime only, record an old mtime in the index (so the
  // entry is not "racily clean"), then change the bytes without changing size or mtime. Git
  // still considers the file clean; a scanner that read it would report a different blob.
  fixtureGit(repo.dir, ['config', 'core.trustctime', 'false']);
  fixtureGit(repo.dir, ['config', 'core.checkStat', 'minimal']);
  const old = new Date('2020-01-01T00:00:00Z');
  utimesSync(abs, old, old);
  fixtureGit(repo.dir, ['update-index', '-q', '--refresh']);
  const changed = Buffer.from(original.toString('latin1').replace('json.loads', 'json.LOADS'), 'latin1');
  t.equal(changed.length, original.length);
  t.not(gitBlobId(changed), gitBlobId(original));
  writeFileSync(abs, changed);
  utimesSync(abs, old, old);
  t.equal(fixtureGit(repo.dir, ['diff-files', '--name-only']), '', 'precondition: git sees no change');

  const r = await scanRepo(repo.dir);
  t.equal(file(r, rel).blob, lsFiles(repo.dir).get(rel)?.blob, 'index blob id, content not read');
  t.equal(file(r, rel).dirty, false);
});

t.test('a dirty edit changes only that file and marks it dirty', async (t) => {
  const repo = await fresh('basic');
  const before = await scanRepo(repo.dir);
  const rel = 'src/configLoader.ts';
  writeFileSync(path.join(repo.dir, rel), 'export const edited = true;\n');
  const after = await scanRepo(repo.dir);
  t.same(paths(after), paths(before));
  const changed = after.files.filter((f, i) => JSON.stringify(f) !== JSON.stringify(before.files[i]));
  t.same(
    changed.map((f) => f.path),
    [rel],
    'only the edited file differs',
  );
  const f = file(after, rel);
  t.equal(f.blob, hashObject(repo.dir, rel));
  t.not(f.blob, file(before, rel).blob);
  t.equal(f.dirty, true);
  t.equal(f.tracked, true);
  t.equal(f.size, 'export const edited = true;\n'.length);
});

t.test('staged, touched, deleted, type-changed and mode-changed files', async (t) => {
  const repo = await fresh('basic');
  const d = repo.dir;
  // Staged but not committed: the index blob is the new content, and the file is still uncommitted.
  writeFileSync(path.join(d, 'README.md'), '# staged\n');
  fixtureGit(d, ['add', '--', 'README.md']);
  // Only the timestamp changes: hashed, found equal, not dirty.
  const future = new Date(Date.now() + 60_000);
  utimesSync(path.join(d, 'cmd/server/main.go'), future, future);
  // Deleted in the work tree: not listed at all.
  unlinkSync(path.join(d, 'src/broken.py'));
  // A tracked file replaced by a symlink.
  unlinkSync(path.join(d, '.gitignore'));
  symlinkSync('README.md', path.join(d, '.gitignore'));
  // An untracked symlink, an untracked file that is ignored by name rules, a nested repository.
  symlinkSync('/etc/passwd', path.join(d, 'passwd-link'));
  writeFileSync(path.join(d, '.env.local'), 'X=1\n');
  mkdirSync(path.join(d, 'nested'));
  fixtureGit(path.join(d, 'nested'), ['init', '-q']);
  writeFileSync(path.join(d, 'nested/inner.py'), 'x = 1\n');

  const r = await scanRepo(d);
  t.same({ blob: file(r, 'README.md').blob, dirty: file(r, 'README.md').dirty }, { blob: gitBlobId(Buffer.from('# staged\n')), dirty: true }, 'staged change');
  t.equal(file(r, 'cmd/server/main.go').dirty, false, 'touch is not a change');
  t.equal(file(r, 'cmd/server/main.go').blob, lsFiles(d).get('cmd/server/main.go')?.blob);
  t.notOk(paths(r).includes('src/broken.py'), 'deleted file not listed');
  t.notOk('src/broken.py' in skips(r));
  t.equal(skips(r)['.gitignore'], 'symlink', 'tracked file now a symlink');
  t.equal(skips(r)['passwd-link'], 'symlink', 'untracked symlink');
  t.equal(skips(r)['.env.local'], 'secret');
  t.equal(skips(r)['nested'], 'submodule', 'nested repository');
  t.notOk(paths(r).some((p) => p.startsWith('nested/')));
});

t.test('include and exclude globs', async (t) => {
  const ex = await scanRepo(basic.dir, { exclude: ['web', 'src/*.py', '**/*.example'] });
  const reasons = skips(ex);
  for (const p of [BASIC_DEEP_PATH, 'web/bundle.js', 'src/config_loader.py', 'src/__init__.py', '.env.example']) {
    t.equal(reasons[p], 'excluded', p);
  }
  t.ok(paths(ex).includes(BASIC_UNICODE_PATH), '* does not cross directories');
  t.ok(paths(ex).includes('src/configLoader.ts'));

  const inc = await scanRepo(basic.dir, { include: ['src/**'], exclude: ['**/broken.py'] });
  t.same(paths(inc), ['src/__init__.py', 'src/configLoader.ts', 'src/config_loader.py', 'src/legacy_latin1.py', 'src/models_gen.go', BASIC_UNICODE_PATH]);
  t.equal(skips(inc)['README.md'], 'excluded', 'outside include');
  t.equal(skips(inc)['src/broken.py'], 'excluded', 'exclude applies within include');
  t.equal(skips(inc)['node_modules/x/index.js'], 'excluded', 'user globs are decided first');
});

t.test('empty repository: no head, untracked file listed; staged files are uncommitted', async (t) => {
  const repo = await fresh('empty');
  const r = await scanRepo(repo.dir);
  t.equal(r.head, null);
  t.same(r.files, [{ path: 'hello.py', blob: hashObject(repo.dir, 'hello.py'), size: 15, mode: '100644', tracked: false, dirty: false }]);
  t.same(r.skipped, []);
  t.equal(r.ignoredCount, 0);
  fixtureGit(repo.dir, ['add', 'hello.py']);
  const staged = await scanRepo(repo.dir);
  t.same(
    staged.files.map((f) => [f.path, f.tracked, f.dirty]),
    [['hello.py', true, true]],
  );
});

t.test('shallow clone is reported shallow', async (t) => {
  const hist = await fresh('history');
  const clone = await shallowClone(hist.dir, path.join(root, 'shallow'), 2);
  const r = await scanRepo(clone.dir);
  t.equal(r.shallow, true);
  t.equal(r.head, hist.commits.at(-1)?.sha);
  t.same(paths(r), [...lsFiles(hist.dir).keys()].sort());
  t.equal((await scanRepo(hist.dir)).shallow, false);
});

t.test('merge conflict: the conflicted file is listed once, read from the work tree, dirty', async (t) => {
  const me = { name: 'M', email: 'm@example.com' };
  const repo = await buildRepo(path.join(root, 'conflict'), {
    steps: [
      { type: 'commit', author: me, date: '2024-01-01T00:00:00Z', subject: 'base', ops: [{ op: 'write', path: 'a.py', content: 'x = 0\n' }] },
      { type: 'branch', name: 'other' },
      { type: 'commit', author: me, date: '2024-01-02T00:00:00Z', subject: 'other', ops: [{ op: 'write', path: 'a.py', content: 'x = 2\n' }] },
      { type: 'checkout', ref: 'main' },
      { type: 'commit', author: me, date: '2024-01-03T00:00:00Z', subject: 'main', ops: [{ op: 'write', path: 'a.py', content: 'x = 1\n' }] },
    ],
  });
  t.throws(() => fixtureGit(repo.dir, ['merge', 'other']), 'the merge stops on a conflict');
  const r = await scanRepo(repo.dir);
  t.same(paths(r), ['a.py']);
  const f = file(r, 'a.py');
  t.equal(f.blob, hashObject(repo.dir, 'a.py'));
  t.match(readFileSync(path.join(repo.dir, 'a.py'), 'utf8'), /<<<<<<< /, 'work tree holds conflict markers');
  t.equal(f.dirty, true);
});

t.test('skip-worktree: absent files are not listed, present ones are read', async (t) => {
  const repo = await fresh('history');
  fixtureGit(repo.dir, ['update-index', '--skip-worktree', '--', 'README.md', 'src/store.py']);
  rmSync(path.join(repo.dir, 'README.md')); // sparse checkout
  writeFileSync(path.join(repo.dir, 'src/store.py'), 'LOCAL = True\n'); // a local edit git no longer reports
  t.equal(fixtureGit(repo.dir, ['diff-files', '--name-only']), '', 'precondition: git reports nothing');
  const r = await scanRepo(repo.dir);
  t.notOk(paths(r).includes('README.md'));
  t.notOk('README.md' in skips(r));
  t.same({ blob: file(r, 'src/store.py').blob, dirty: file(r, 'src/store.py').dirty }, { blob: gitBlobId(Buffer.from('LOCAL = True\n')), dirty: true });
  t.ok(paths(r).includes('src/cache.py'));
});

t.test('sha256 repositories get sha256 blob ids for read files', async (t) => {
  const dir = path.join(root, 'sha256');
  mkdirSync(dir);
  fixtureGit(dir, ['init', '-q', '--object-format=sha256']);
  writeFileSync(path.join(dir, 'a.py'), 'a = 1\n');
  writeFileSync(path.join(dir, 'b.py'), 'b = 2\n');
  fixtureGit(dir, ['add', 'a.py']);
  const r = await scanRepo(dir);
  t.equal(file(r, 'a.py').blob, lsFiles(dir).get('a.py')?.blob);
  t.equal(file(r, 'b.py').blob, hashObject(dir, 'b.py'));
  t.equal(file(r, 'b.py').blob.length, 64);
  t.equal(r.objectFormat, 'sha256');
});

t.test('SKIP_REASONS describes every reason the scanner and the filter produce', async (t) => {
  const described = new Set(Object.keys(SKIP_REASONS));
  for (const r of ['symlink', 'submodule', 'too-large', 'vendored', 'generated', 'secret', 'excluded', 'binary', 'minified']) {
    t.ok(described.has(r), r);
  }
  for (const [reason, description] of Object.entries(SKIP_REASONS)) {
    t.ok(description.length > 10 && !description.includes('\n'), `${reason}: one line`);
  }
});

t.test('a missing root is an error, not an empty scan', async (t) => {
  await t.rejects(scanRepo(path.join(root, 'nope')));
});
