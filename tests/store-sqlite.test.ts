import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteStore } from '../daemon/store/sqlite-store.js';
import { sqlitePort } from '../daemon/store/sql-port.js';
import { SQLITE_MIGRATIONS } from '../daemon/store/sqlite-schema.js';
import { chunkHash, contentKey } from '../daemon/index/keys.js';
import type { ParsedFile } from '../daemon/lang/types.js';
import type { FileWrite } from '../daemon/store/types.js';
import { ftsExpression } from '../daemon/search/lexical.js';
import { queryTerms } from '../daemon/search/tokenize.js';

const parsed: ParsedFile = {
  language: 'python',
  fallback: false,
  chunks: [
    { startLine: 1, endLine: 2, text: 'import json\nimport os', symbol: null, kind: 'statements' },
    {
      startLine: 4,
      endLine: 6,
      text: 'def parse_json_config(path):\n    with open(path) as f:\n        return json.load(f)',
      symbol: 'parse_json_config',
      kind: 'function',
    },
    { startLine: 8, endLine: 9, text: 'class Loader:\n    pass', symbol: 'Loader', kind: 'class' },
  ],
  symbols: [
    {
      name: 'parse_json_config',
      kind: 'function',
      container: null,
      startLine: 4,
      endLine: 6,
      nameLine: 4,
      nameColumn: 4,
      signature: 'def parse_json_config(path):',
    },
    { name: 'Loader', kind: 'class', container: null, startLine: 8, endLine: 9, nameLine: 8, nameColumn: 6, signature: 'class Loader:' },
  ],
};

function write(path: string, blob: string, p: ParsedFile = parsed): FileWrite {
  return {
    path,
    blob,
    contentKey: contentKey(blob, p.language, 1),
    size: 100,
    language: p.language,
    encoding: 'utf8',
    content: { kind: 'parsed', parsed: p, chunkHashes: p.chunks.map((c) => chunkHash(p.language, 1, c.text)) },
  };
}

const match = (q: string) => ftsExpression(queryTerms(q));

t.test('write, search, reuse, delete, prune', async (t) => {
  const dir = t.testdir();
  const store = new SqliteStore(join(dir, 'index.db'));
  t.teardown(() => store.close());
  const repo = await store.ensureRepo('/r', 'r');
  t.same(await store.ensureRepo('/r', 'r'), repo, 'ensureRepo is idempotent');

  const first = await store.writeFile(repo.id, write('a.py', 'b1'));
  t.equal(first.newChunks, 3, 'three new chunk texts');

  const hits = await store.searchLexical({ match: match('json config'), limit: 10 });
  t.equal(hits.length, 2, 'both chunks mentioning json');
  t.equal(hits[0].symbol, 'parse_json_config', 'the definition (symbol column weighs more) ranks first');
  t.equal(hits[0].startLine, 4);
  t.equal(hits[0].path, 'a.py');

  // The same content at another path and in another repo: stored once, visible in both views.
  const other = await store.ensureRepo('/other', 'other');
  const parseId = await store.findParse(contentKey('b1', 'python', 1));
  t.ok(parseId, 'parse found by content key');
  await store.writeFile(other.id, { ...write('copy.py', 'b1'), content: { kind: 'reuse', parseId: parseId! } });
  t.equal((await store.searchLexical({ match: match('parse_json_config'), limit: 10 })).length, 2, 'one hit per view');
  t.equal((await store.searchLexical({ match: match('parse_json_config'), limit: 10, repoIds: [other.id] })).length, 1, 'repo filter');
  t.equal((await store.searchLexical({ match: match('parse_json_config'), limit: 10, pathRegexes: ['^copy\\.py$'] }))[0].path, 'copy.py');
  t.equal((await store.searchLexical({ match: match('parse_json_config'), limit: 10, languages: ['go'] })).length, 0, 'language filter');

  const syms = await store.lookupSymbols({ names: ['Loader'], limit: 10, repoIds: [repo.id] });
  t.same(
    syms.map((s) => [s.path, s.kind, s.startLine]),
    [['a.py', 'class', 8]],
  );
  t.ok((await store.symbolNames()).includes('parse_json_config'));

  const stats = await store.stats(repo.id);
  t.same({ files: stats.files, chunks: stats.chunks, symbols: stats.symbols }, { files: 1, chunks: 3, symbols: 2 });

  // An edit: new content replaces the view row; the old parse becomes garbage.
  const edited: ParsedFile = { ...parsed, chunks: [parsed.chunks[0]], symbols: [] };
  const second = await store.writeFile(repo.id, write('a.py', 'b2', edited));
  t.equal(second.newChunks, 0, 'an unchanged chunk text is not new');
  t.equal((await store.searchLexical({ match: match('parse_json_config'), limit: 10, repoIds: [repo.id] })).length, 0);
  await store.deleteFiles(other.id, ['copy.py']);
  const pruned = await store.prune();
  t.match(pruned, { parses: 1, chunks: 2 }, 'old parse and its two unique chunks removed');
  t.equal((await store.searchLexical({ match: match('os'), limit: 10 })).length, 1, 'live chunk kept');

  await store.writeFile(repo.id, { ...write('bin.dat', 'b3'), language: null, content: { kind: 'skipped', reason: 'binary' } });
  const files = await store.listFiles(repo.id);
  t.equal(files.get('bin.dat')?.status, 'skipped');
  t.equal(files.get('bin.dat')?.skipReason, 'binary');
  t.equal((await store.stats(repo.id)).skipped, 1);
});

t.test('a failed write leaves nothing behind', async (t) => {
  const store = new SqliteStore(join(t.testdir(), 'index.db'));
  t.teardown(() => store.close());
  const repo = await store.ensureRepo('/r', 'r');
  const bad = write('a.py', 'b1');
  // A chunk hash list shorter than the chunks makes the insert fail midway (NOT NULL hash).
  (bad.content as { chunkHashes: string[] }).chunkHashes = [chunkHash('python', 1, 'x')];
  await t.rejects(store.writeFile(repo.id, bad));
  t.equal((await store.listFiles(repo.id)).size, 0, 'no view row');
  t.equal(await store.findParse(bad.contentKey), null, 'no parse row');
  t.equal((await store.searchLexical({ match: match('json'), limit: 10 })).length, 0, 'no index rows');
});

t.test('schema version and corrupt files', async (t) => {
  const dir = t.testdir();
  const path = join(dir, 'index.db');
  await new SqliteStore(path).close();
  const db = new Database(path);
  t.equal(db.pragma('user_version', { simple: true }), SQLITE_MIGRATIONS.length);
  db.pragma(`user_version = ${SQLITE_MIGRATIONS.length + 5}`);
  db.close();
  t.throws(() => new SqliteStore(path), { code: 'store-too-new' });

  const junk = join(dir, 'junk.db');
  writeFileSync(junk, 'this is not a database, it is a text file that is long enough to have a header'.repeat(100));
  t.throws(() => new SqliteStore(junk), { code: 'corrupt-store', message: /corrupt/ });
});

t.test('migration 5 rebuilds the chunk table without losing vectors', async (t) => {
  const path = join(t.testdir(), 'index.db');
  const old = new Database(path);
  old.pragma('foreign_keys = ON');
  for (const m of SQLITE_MIGRATIONS.slice(0, 4)) old.exec(m);
  old.pragma('user_version = 4');
  old.prepare("INSERT INTO chunks (hash, language, text) VALUES ('h1', 'python', 'def a(): pass')").run();
  old.prepare("INSERT INTO embed_models (id, provider, dim, created_at) VALUES ('m', 'test', 2, 0)").run();
  old.prepare("INSERT INTO chunk_vectors (model_id, chunk_hash, vector) VALUES ('m', 'h1', x'00000000')").run();
  old.close();

  const store = new SqliteStore(path);
  const db = store.raw;
  t.equal(db.pragma('user_version', { simple: true }), SQLITE_MIGRATIONS.length);
  t.same(db.prepare('SELECT hash, text FROM chunks').all(), [{ hash: 'h1', text: 'def a(): pass' }], 'chunk kept');
  t.equal((db.prepare('SELECT COUNT(*) AS n FROM chunk_vectors').get() as { n: number }).n, 1, 'vector kept');
  t.equal(db.pragma('foreign_keys', { simple: true }), 1, 'foreign keys back on');
  db.prepare("DELETE FROM chunks WHERE hash = 'h1'").run();
  t.equal((db.prepare('SELECT COUNT(*) AS n FROM chunk_vectors').get() as { n: number }).n, 0, 'the cascade still points at the new table');
  await store.close();
});

t.test('a shared transaction on the SQLite port: other users of the connection wait for it, a failure rolls back only its own writes', async (t) => {
  const store = new SqliteStore(join(t.testdir(), 'index.db'));
  t.teardown(() => store.close());
  const port = sqlitePort(store.raw);
  t.equal(port, sqlitePort(store.raw), 'one port per connection');
  const repo = await store.ensureRepo('/r', 'r');
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const order: string[] = [];
  // A transaction that stays open across an await (as the shared SQL's do) and then fails.
  const failing = port
    .tx(async (c) => {
      await c.run('INSERT INTO jobs (repo_id, path, seq, reason, created_at) VALUES (?, ?, ?, ?, ?)', [repo.id, 'tx.py', 1, 'tx', 0]);
      order.push('tx wrote');
      await gate;
      throw new Error('boom');
    })
    .catch((err: Error) => order.push(`tx failed: ${err.message}`));
  // Meanwhile a file write and a job enqueue arrive: they must not land inside the failing transaction.
  const writing = store.writeFiles(repo.id, [write('a.py', 'b1')]).then((out) => order.push(`write done: ${out[0].error ?? 'ok'}`));
  const queuing = store.enqueue(repo.id, ['q.py'], 'later').then(() => order.push('enqueue done'));
  await new Promise<void>((r) => setImmediate(r));
  t.same(order, ['tx wrote'], 'nothing else ran while the transaction was open');
  release();
  await Promise.all([failing, writing, queuing]);
  t.equal(order[1], 'tx failed: boom');
  t.same((await store.listFiles(repo.id)).has('a.py'), true, 'the file write landed after the rollback');
  const jobs = await store.takeJobs(repo.id, 10);
  t.same(jobs?.paths, ['q.py'], 'the rolled-back job is gone, the later one is there');
});
