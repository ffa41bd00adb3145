import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildFixture } from '../fixtures/repos.js';
import { fixtureGit, shallowClone } from '../fixtures/repo-builder.js';
import { BlameParser, blameFile } from '../daemon/repo/blame.js';
import { LogParser, shallowGrafts, streamLog, treeBlobs, type LogCommit } from '../daemon/repo/log.js';
import { decodeGitText } from '../daemon/repo/decode.js';
import { countLines } from '../daemon/index/history.js';
import { parseTimeSpec } from '../daemon/search/time.js';
import { applyHunks, DiffParser, unquoteGitPath } from '../daemon/repo/diff.js';
import { tempDir } from './helpers/cli.js';

/** git's own per-line answer, parsed independently of our parser (`--line-porcelain`). */
function gitBlameLines(dir: string, path: string, rev = 'HEAD'): { sha: string; author: string }[] {
  const out = fixtureGit(dir, ['blame', '--line-porcelain', rev, '--', path]);
  const lines: { sha: string; author: string }[] = [];
  let cur: { sha: string; author: string } | null = null;
  for (const l of out.split('\n')) {
    const m = /^([0-9a-f]{40}) \d+ \d+/.exec(l);
    if (m) cur = { sha: m[1], author: '' };
    else if (l.startsWith('author ') && cur) cur.author = l.slice(7);
    else if (l.startsWith('\t') && cur) {
      lines.push(cur);
      cur = null;
    }
  }
  return lines;
}

async function allCommits(dir: string, revs: string[]): Promise<LogCommit[]> {
  const out: LogCommit[] = [];
  for await (const batch of streamLog(dir, revs)) out.push(...batch);
  return out;
}

t.test('blame parser: groups in any order, merged, uncommitted lines, gaps rejected', async (t) => {
  const a = 'a'.repeat(40);
  const b = 'b'.repeat(40);
  const zero = '0'.repeat(40);
  const p = new BlameParser();
  const feed = (s: string) => s.split('\n').forEach((l) => p.push(Buffer.from(l, 'latin1')));
  feed(
    `${b} 5 4 2\nauthor Bob\nauthor-mail <bob@x>\nauthor-time 200\ncommitter Bob\ncommitter-mail <bob@x>\ncommitter-time 201\nsummary second\nprevious ${a} f.py\nfilename f.py`,
  );
  feed(`${a} 1 1 3\nauthor Jos\xe9\nauthor-mail <jose@x>\nauthor-time 100\nsummary first\nboundary\nfilename f.py`);
  feed(`${zero} 6 6 1\nauthor Not Committed Yet\nauthor-mail <not.committed.yet>\nauthor-time 300\nsummary Version of f.py from f.py\nfilename f.py`);
  feed(`${b} 7 7 1\nfilename f.py`);
  const r = p.finish();
  t.same(r.ranges, [
    { start: 1, end: 3, sha: a },
    { start: 4, end: 5, sha: b },
    { start: 6, end: 6, sha: null },
    { start: 7, end: 7, sha: b },
  ]);
  t.equal(r.lines, 7);
  t.equal(r.commits.size, 2, 'the uncommitted pseudo-commit is not a commit');
  t.match(r.commits.get(b), { authorName: 'Bob', authorEmail: 'bob@x', authorTime: 200, commitTime: 201, summary: 'second' });
  t.equal(r.commits.get(a)?.authorName, 'José', 'a Latin-1 author name is decoded, not mangled');
  t.ok(r.boundary.has(a));

  const gap = new BlameParser();
  gap.push(Buffer.from(`${a} 1 1 1`));
  gap.push(Buffer.from(`${a} 3 3 1`));
  t.throws(() => gap.finish(), /does not cover line 2/);
});

t.test('log parser: fields, renames, merges without files, bodies, Latin-1', async (t) => {
  const c1 = '1'.repeat(40);
  const c2 = '2'.repeat(40);
  const rec = (s: string) => Buffer.from(s, 'latin1');
  const stream = [
    `\x1e${c2}`,
    `${c1} ${'3'.repeat(40)}`,
    'Alice',
    'alice@x',
    '300',
    'Alice',
    'alice@x',
    '301',
    "Merge branch 'x'",
    '',
    `\x1e${c1}`,
    '',
    'Ren\xe9',
    'rene@x',
    '100',
    'Ren\xe9',
    'rene@x',
    '101',
    'Move util',
    'Body line one\nline two\n',
    '\nR087',
    'src/util.py',
    'src/helpers.py',
    'M',
    'a b/c.py',
    'D',
    'gone.txt',
  ].map(rec);
  const p = new LogParser();
  const out = stream.map((r) => p.push(r)).filter((c) => c !== null) as LogCommit[];
  const last = p.finish();
  if (last) out.push(last);
  t.equal(out.length, 2);
  t.match(out[0], { sha: c2, parents: [c1, '3'.repeat(40)], subject: "Merge branch 'x'", body: '', files: [] });
  t.match(out[1], { sha: c1, parents: [], authorName: 'René', authorTime: 100, commitTime: 101, body: 'Body line one\nline two' });
  t.same(out[1].files, [
    { status: 'R', path: 'src/helpers.py', oldPath: 'src/util.py' },
    { status: 'M', path: 'a b/c.py', oldPath: null },
    { status: 'D', path: 'gone.txt', oldPath: null },
  ]);
});

t.test('against real git: blame matches git line by line, log matches rev-list, renames followed', async (t) => {
  const dir = tempDir(t);
  const h = await buildFixture('history', join(dir, 'history'));
  for (const path of ['src/cache.py', 'tests/test_cache.py', 'src/store.py', 'src/helpers.py', 'README.md']) {
    const ours = await blameFile(h.dir, path, { rev: 'HEAD' });
    const theirs = gitBlameLines(h.dir, path);
    t.equal(ours.lines, theirs.length, `${path}: line count`);
    const expanded: string[] = [];
    for (const r of ours.ranges) for (let l = r.start; l <= r.end; l++) expanded.push(r.sha ?? 'uncommitted');
    t.same(
      expanded,
      theirs.map((l) => l.sha),
      `${path}: every line attributed as git does`,
    );
    for (const r of ours.ranges) t.equal(ours.commits.get(r.sha!)?.authorName, theirs[r.start - 1].author);
  }
  // helpers.py was renamed from util.py: blame follows it to the first commit.
  const helpers = await blameFile(h.dir, 'src/helpers.py', { rev: 'HEAD' });
  t.same(
    helpers.ranges.map((r) => r.sha),
    [h.commits[0].sha],
    'rename followed to the original commit',
  );

  const log = await allCommits(h.dir, ['HEAD']);
  t.same(
    log.map((c) => c.sha),
    fixtureGit(h.dir, ['rev-list', 'HEAD']).trim().split('\n'),
    'every reachable commit, newest first',
  );
  const merge = log.find((c) => c.parents.length === 2)!;
  t.equal(merge.subject, "Merge branch 'feature/metrics'");
  t.same(merge.files, [], 'a merge lists no files of its own');
  const rename = log.find((c) => c.subject === 'Move string helpers into a helpers module')!;
  t.same(rename.files, [{ status: 'R', path: 'src/helpers.py', oldPath: 'src/util.py' }]);
  const race = log.find((c) => c.subject === 'fix race in cache invalidation')!;
  t.match(race, { authorName: 'Bob Okafor', authorEmail: 'bob@example.com', authorTime: Date.parse('2023-05-09T15:20:00Z') / 1000 });
  t.match(race.body, /hold the lock around both/);

  const since = await allCommits(h.dir, ['HEAD', `^${h.commits[7].sha}`]);
  t.same(
    since.map((c) => c.subject),
    ['Mark evicted rows in the store', 'Stop the thundering herd when entries expire'],
    'an incremental range',
  );

  // Uncommitted lines, through --contents.
  const edited = fixtureGit(h.dir, ['show', 'HEAD:src/store.py']) + 'EXTRA = 1\n';
  const dirty = await blameFile(h.dir, 'src/store.py', { contents: Buffer.from(edited) });
  t.same(dirty.ranges.at(-1), { start: dirty.lines, end: dirty.lines, sha: null }, 'the added line is not committed yet');

  const blobs = await treeBlobs(h.dir, 'HEAD', ['src/cache.py', 'nope.py']);
  t.same([...blobs.keys()], ['src/cache.py']);
  t.equal(blobs.get('src/cache.py'), fixtureGit(h.dir, ['rev-parse', 'HEAD:src/cache.py']).trim());

  const shallow = await shallowClone(h.dir, join(dir, 'shallow'), 2);
  t.same(await shallowGrafts(shallow.dir), [h.commits.at(-2)!.sha], 'the graft of a depth-2 clone');
  t.same(await shallowGrafts(h.dir), []);
});

t.test('a commit whose author name is not UTF-8 (Latin-1 bytes, no encoding header)', async (t) => {
  const dir = tempDir(t);
  const h = await buildFixture('history', join(dir, 'history'));
  writeFileSync(join(h.dir, 'src/latin.py'), 'def cafe():\n    return 1\n');
  fixtureGit(h.dir, ['add', 'src/latin.py']);
  const tree = fixtureGit(h.dir, ['write-tree']).trim();
  const head = fixtureGit(h.dir, ['rev-parse', 'HEAD']).trim();
  const who = Buffer.from('Jos\xe9 Garc\xeda <jose@example.com> 1700000000 +0000', 'latin1');
  const body = Buffer.concat([
    Buffer.from(`tree ${tree}\nparent ${head}\nauthor `),
    who,
    Buffer.from('\ncommitter '),
    who,
    Buffer.from('\n\n'),
    Buffer.from('Caf\xe9 helper\n', 'latin1'),
  ]);
  const sha = fixtureGit(h.dir, ['hash-object', '-t', 'commit', '-w', '--stdin'], body).trim();
  fixtureGit(h.dir, ['update-ref', 'HEAD', sha]);
  const [c] = await allCommits(h.dir, ['-1', 'HEAD']);
  t.equal(c.authorName, 'José García');
  t.equal(c.subject, 'Café helper');
  const blame = await blameFile(h.dir, 'src/latin.py', { rev: 'HEAD' });
  t.equal(blame.commits.get(sha)?.authorName, 'José García');
});

t.test('small helpers', async (t) => {
  t.equal(decodeGitText(Buffer.from('plain')), 'plain');
  t.equal(decodeGitText(Buffer.from('Zoë', 'utf8')), 'Zoë');
  t.equal(decodeGitText(Buffer.from([0x4a, 0x6f, 0x73, 0xe9])), 'José');
  t.equal(countLines(Buffer.from('')), 0);
  t.equal(countLines(Buffer.from('a')), 1);
  t.equal(countLines(Buffer.from('a\n')), 1);
  t.equal(countLines(Buffer.from('a\nb')), 2);
  t.equal(countLines(Buffer.from('\n\n')), 2);

  const now = Date.parse('2025-03-15T12:00:00Z');
  t.equal(parseTimeSpec('2w', 'start', '--since', now), now / 1000 - 14 * 86400);
  t.equal(parseTimeSpec('3 days ago', 'start', '--since', now), now / 1000 - 3 * 86400);
  t.equal(parseTimeSpec('12h', 'start', '--since', now), now / 1000 - 12 * 3600);
  t.equal(parseTimeSpec('1y', 'start', '--since', now), now / 1000 - 365 * 86400);
  t.equal(parseTimeSpec('2025-01-01', 'start'), new Date(2025, 0, 1).getTime() / 1000, 'a date starts at local midnight');
  t.equal(parseTimeSpec('2025-01-01', 'end'), Math.floor(new Date(2025, 0, 1, 23, 59, 59, 999).getTime() / 1000), '--until covers the whole day');
  t.equal(parseTimeSpec('2025-01-01T10:00:00Z', 'start'), Date.parse('2025-01-01T10:00:00Z') / 1000);
  for (const bad of ['2m', 'soon', '2025-02-30', '', 'w']) t.throws(() => parseTimeSpec(bad, 'start'), { code: 'bad-argument' }, bad);
});

t.test('moving a blame across a diff', async (t) => {
  const A = 'a'.repeat(40);
  const B = 'b'.repeat(40);
  const C = 'c'.repeat(40);
  const old = [
    { start: 1, end: 2, sha: A },
    { start: 3, end: 4, sha: B },
  ];
  // insert two lines at the top (-0,0 +1,2)
  t.same(applyHunks(old, 4, [{ oldStart: 0, oldCount: 0, newStart: 1, newCount: 2 }], C), {
    ranges: [
      { start: 1, end: 2, sha: C },
      { start: 3, end: 4, sha: A },
      { start: 5, end: 6, sha: B },
    ],
    lines: 6,
  });
  // change line 2, delete line 4 (-2 +2; -4,1 +3,0)
  t.same(
    applyHunks(
      old,
      4,
      [
        { oldStart: 2, oldCount: 1, newStart: 2, newCount: 1 },
        { oldStart: 4, oldCount: 1, newStart: 3, newCount: 0 },
      ],
      C,
    ),
    {
      ranges: [
        { start: 1, end: 1, sha: A },
        { start: 2, end: 2, sha: C },
        { start: 3, end: 3, sha: B },
      ],
      lines: 3,
    },
  );
  // delete everything, write one line
  t.same(applyHunks(old, 4, [{ oldStart: 1, oldCount: 4, newStart: 1, newCount: 1 }], C), { ranges: [{ start: 1, end: 1, sha: C }], lines: 1 });
  // hunks that do not fit the old blame: refuse (the caller blames instead)
  t.equal(applyHunks(old, 4, [{ oldStart: 7, oldCount: 1, newStart: 7, newCount: 1 }], C), null);
  t.equal(applyHunks(old, 4, [{ oldStart: 2, oldCount: 1, newStart: 5, newCount: 1 }], C), null);

  const p = new DiffParser();
  const text = [
    'diff --git a/x.py "b/d\\303\\251j\\303\\240 vu.py"',
    'similarity index 90%',
    'rename from x.py',
    'rename to "d\\303\\251j\\303\\240 vu.py"',
    'index 1111111111111111111111111111111111111111..2222222222222222222222222222222222222222 100644',
    '--- a/x.py',
    '+++ "b/d\\303\\251j\\303\\240 vu.py"',
    '@@ -3 +3,2 @@ def f():',
    '-old',
    '+new',
    '+more',
    'diff --git a/y.py b/y.py',
    'similarity index 100%',
    'rename from y.py',
    'rename to z.py',
  ];
  for (const l of text) p.push(Buffer.from(l));
  const [renamed, pure] = p.finish();
  t.match(renamed, {
    oldPath: 'x.py',
    newPath: 'déjà vu.py',
    oldBlob: '1'.repeat(40),
    newBlob: '2'.repeat(40),
    hunks: [{ oldStart: 3, oldCount: 1, newStart: 3, newCount: 2 }],
  });
  t.match(pure, { oldPath: 'y.py', newPath: 'z.py', newBlob: null, hunks: [] });
  t.equal(unquoteGitPath('"tab\\there"'), 'tab\there');
  t.equal(unquoteGitPath('plain.py'), 'plain.py');
});
