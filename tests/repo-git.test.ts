import t from 'tap';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { findRepoRoot, gitBlobId, GitError, headCommit, NotAGitRepoError, runGit, splitNul } from '../daemon/repo/git.js';
import { buildFixture } from '../fixtures/repos.js';
import { buildRepo, fixtureGit } from '../fixtures/repo-builder.js';

const root = t.testdir();
const basic = await buildFixture('basic', path.join(root, 'basic'));
const empty = await buildFixture('empty', path.join(root, 'empty'));

/** A directory outside every repository: t.testdir() lives inside this project's own work tree. */
function plainTmpDir(): string {
  const d = realpathSync(mkdtempSync(path.join(tmpdir(), 'contextd-plain-')));
  t.teardown(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

t.test('gitBlobId equals git hash-object', async (t) => {
  const buffers = [
    Buffer.alloc(0),
    Buffer.from('hello\n'),
    Buffer.from('naïve façade\r\n\0binary\xff', 'latin1'),
    ...Array.from({ length: 8 }, (_, i) => randomBytes(1 + Math.floor(Math.random() * 4096) * (i + 1))),
    randomBytes(300_000),
  ];
  for (const buf of buffers) {
    const expected = fixtureGit(basic.dir, ['hash-object', '--stdin'], buf).trim();
    t.equal(gitBlobId(buf), expected, `${buf.length} bytes`);
  }
  t.equal(gitBlobId(Buffer.alloc(0)), 'e69de29bb2d1d6434b8b29ae775ad8c2e48c5391', 'the well-known empty blob');
});

t.test('gitBlobId in sha256 mode equals git hash-object in a sha256 repository', async (t) => {
  const dir = path.join(root, 'sha256');
  mkdirSync(dir);
  fixtureGit(dir, ['init', '-q', '--object-format=sha256']);
  for (const buf of [Buffer.from('x\n'), randomBytes(5000)]) {
    const expected = fixtureGit(dir, ['hash-object', '--stdin'], buf).trim();
    t.equal(expected.length, 64);
    t.equal(gitBlobId(buf, 'sha256'), expected);
  }
});

t.test('runGit returns stdout as string or buffer and stdin input', async (t) => {
  const head = await runGit(basic.dir, ['rev-parse', 'HEAD']);
  t.equal(head.stdout.trim(), basic.commits.at(-1)?.sha);
  const ls = await runGit(basic.dir, ['ls-files', '-z', '--', 'src/naïve dir'], { encoding: 'buffer' });
  t.ok(Buffer.isBuffer(ls.stdout));
  t.same(splitNul(ls.stdout), ['src/naïve dir/façade helper.py'], 'unicode path is raw, not quoted');
  const hashed = await runGit(basic.dir, ['hash-object', '--stdin'], { input: 'abc' });
  t.equal(hashed.stdout.trim(), gitBlobId(Buffer.from('abc')));
});

t.test('runGit rejects with a GitError carrying the command, exit code and stderr', async (t) => {
  const err = await runGit(basic.dir, ['rev-parse', '--verify', 'no-such-ref']).then(
    () => null,
    (e: unknown) => e,
  );
  t.ok(err instanceof GitError, 'is a GitError');
  if (!(err instanceof GitError)) return;
  t.same(err.args, ['rev-parse', '--verify', 'no-such-ref']);
  t.equal(err.cwd, basic.dir);
  t.equal(err.exitCode, 128);
  t.match(err.stderr, /Needed a single revision/);
  t.match(err.message, /git rev-parse --verify no-such-ref/);
  // Accepted exit codes are not errors.
  const ok = await runGit(basic.dir, ['diff', '--quiet', 'HEAD~1', 'HEAD'], { okExitCodes: [0, 1] });
  t.equal(ok.exitCode, 1);
});

t.test('runGit ignores GIT_DIR inherited from a hook environment', async (t) => {
  const saved = process.env.GIT_DIR;
  process.env.GIT_DIR = path.join(empty.dir, '.git');
  t.teardown(() => {
    if (saved === undefined) delete process.env.GIT_DIR;
    else process.env.GIT_DIR = saved;
  });
  const { stdout } = await runGit(basic.dir, ['rev-parse', 'HEAD']);
  t.equal(stdout.trim(), basic.commits.at(-1)?.sha);
});

t.test('runGit with a timeout kills git and rejects', async (t) => {
  // A shell alias is the simplest git command that reliably outlives the timeout (test-only).
  const err = await runGit(basic.dir, ['-c', 'alias.nap=!sleep 1', 'nap'], { timeoutMs: 100 }).then(
    () => null,
    (e: unknown) => e,
  );
  t.ok(err instanceof GitError, 'rejected');
  t.equal((err as GitError).signal, 'SIGKILL');
  t.equal((err as GitError).exitCode, null);
  t.match((err as GitError).message, /killed by SIGKILL/);
});

t.test('findRepoRoot', async (t) => {
  const top = realpathSync(basic.dir);
  t.equal(await findRepoRoot(basic.dir), top);
  t.equal(await findRepoRoot(path.join(basic.dir, 'web/a/b/c')), top, 'from a nested directory');
  t.equal(await findRepoRoot(path.join(basic.dir, 'src/config_loader.py')), top, 'from a file');
  t.equal(await findRepoRoot(empty.dir), realpathSync(empty.dir), 'a repository without commits');

  const plain = plainTmpDir();
  await t.rejects(findRepoRoot(plain), NotAGitRepoError, 'plain directory');
  const e1 = await findRepoRoot(plain).catch((e: unknown) => e);
  t.equal((e1 as NotAGitRepoError).reason, 'not-a-repo');
  t.match((e1 as Error).message, /is not inside a git repository/);

  const missing = path.join(plain, 'does', 'not', 'exist');
  const e2 = await findRepoRoot(missing).catch((e: unknown) => e);
  t.ok(e2 instanceof NotAGitRepoError, 'missing path');
  t.equal((e2 as NotAGitRepoError).reason, 'missing');
  t.equal((e2 as NotAGitRepoError).path, missing);

  const e3 = await findRepoRoot(path.join(basic.dir, '.git')).catch((e: unknown) => e);
  t.ok(e3 instanceof NotAGitRepoError, 'inside .git');
  t.equal((e3 as NotAGitRepoError).reason, 'no-work-tree');
});

t.test('headCommit', async (t) => {
  t.equal(await headCommit(basic.dir), basic.commits.at(-1)?.sha);
  t.equal(await headCommit(empty.dir), null, 'no commits yet');
  const detached = await buildRepo(path.join(root, 'detached'), {
    steps: [
      { type: 'commit', author: { name: 'A', email: 'a@x' }, date: '2024-01-01T00:00:00Z', subject: 'one', ops: [{ op: 'write', path: 'a', content: '1' }] },
      { type: 'commit', author: { name: 'A', email: 'a@x' }, date: '2024-01-02T00:00:00Z', subject: 'two', ops: [{ op: 'write', path: 'a', content: '2' }] },
      { type: 'checkout', ref: 'HEAD~1' },
    ],
  });
  t.equal(await headCommit(detached.dir), detached.commits[0].sha, 'detached HEAD');
  const plain = plainTmpDir();
  writeFileSync(path.join(plain, 'f'), 'x');
  await t.rejects(headCommit(plain), GitError, 'outside a repository it is an error, not null');
});
