import t from 'tap';
import { appendFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildFixture } from '../fixtures/repos.js';
import { isolatedEnv, runCli, runJson, tempDir } from './helpers/cli.js';

interface Summary {
  files: number;
  chunks: number;
  symbols: number;
  parsed: number;
  reused: number;
  unchanged: number;
  deleted: number;
  skipped: Record<string, number>;
  ignored: number;
}
interface Hit {
  repo: string;
  path: string;
  startLine: number;
  endLine: number;
  symbol: string | null;
  language: string;
  score: number;
  snippet: string;
  retrievers: string[];
}
interface Sym {
  name: string;
  kind: string;
  path: string;
  startLine: number;
  match: string;
}

t.test('index, search and symbols on a real repository', async (t) => {
  const dir = tempDir(t);
  const { env } = isolatedEnv(join(dir, 'home'));
  const repo = join(dir, 'basic');
  await buildFixture('basic', repo);

  const first = await runJson<Summary>(['index', repo], { env });
  t.same(
    first.skipped,
    { symlink: 2, vendored: 1, generated: 2, secret: 3, binary: 1, minified: 1, 'too-large': 1 },
    'every skip counted by reason (generated: lockfile + DO NOT EDIT marker; secret: .env, key.pem, AWS key in config.js)',
  );
  t.ok(first.ignored >= 2, 'git-ignored entries counted');
  t.equal(first.parsed, first.files, 'first run parses every indexed file');
  t.ok(first.symbols >= 8, `symbols found (${first.symbols})`);

  // Identifier-split search: words find camelCase and snake_case names.
  const hits = await runJson<Hit[]>(['search', 'json', 'config', '--repo', repo], { env });
  const top = hits.slice(0, 3).map((h) => h.symbol);
  t.ok(top.includes('parseJsonConfig'), `parseJsonConfig in the top 3 (${top})`);
  t.ok(top.includes('parse_json_config'), `parse_json_config in the top 3 (${top})`);
  const h = hits.find((x) => x.symbol === 'parseJsonConfig')!;
  t.match(h, { path: 'src/configLoader.ts', startLine: 1, endLine: 5, language: 'typescript', repo });
  t.ok(h.score > 0 && typeof h.snippet === 'string' && h.snippet.includes('parseJsonConfig'), 'score and snippet present');
  // Other retrievers (history: a commit message mentions JSON configs) may add their vote.
  t.ok(h.retrievers.includes('lexical') && h.retrievers.includes('symbol'), `found by both retrievers (${h.retrievers})`);

  // Filters are applied in the query.
  const py = await runJson<Hit[]>(['search', 'json config', '--repo', repo, '--lang', 'python'], { env });
  t.ok(py.length > 0 && py.every((x) => x.language === 'python'), 'language filter');
  const ts = await runJson<Hit[]>(['search', 'json config', '--repo', repo, '--path', '*.ts'], { env });
  t.ok(ts.length > 0 && ts.every((x) => x.path.endsWith('.ts')), 'path glob filter');
  const one = await runJson<Hit[]>(['search', 'json', '--repo', repo, '--limit', '1'], { env });
  t.equal(one.length, 1, 'limit');

  // Secrets never reach the index.
  const secret = await runJson<Hit[]>(['search', 'API_TOKEN', '--repo', repo], { env });
  t.same(secret, [], '.env content is not searchable');
  const aws = await runJson<Hit[]>(['search', 'accessKeyId', '--repo', repo], { env });
  t.same(aws, [], 'a file with a key in its content is not searchable');

  // Unicode path, latin-1 file, broken file: all indexed.
  const facade = await runJson<Hit[]>(['search', 'facade_helper', '--repo', repo], { env });
  t.equal(facade[0]?.path, 'src/naïve dir/façade helper.py');
  const latin = await runJson<Hit[]>(['search', 'Café', '--repo', repo], { env });
  t.equal(latin[0]?.path, 'src/legacy_latin1.py', 'latin-1 content decoded and searchable');
  const broken = await runJson<Hit[]>(['search', 'broken', '--repo', repo], { env });
  t.equal(broken[0]?.path, 'src/broken.py', 'a file with a syntax error still gets chunks');

  // Symbols: fuzzy tiers.
  const syms = await runJson<Sym[]>(['symbols', 'ConfigLoader', '--repo', repo], { env });
  t.match(syms[0], { name: 'ConfigLoader', kind: 'class', path: 'src/config_loader.py', startLine: 4, match: 'exact' });
  const initials = await runJson<Sym[]>(['symbols', 'pjc', '--repo', repo], { env });
  t.same(
    initials
      .slice(0, 2)
      .map((s) => s.name)
      .sort(),
    ['parseJsonConfig', 'parse_json_config'],
    'camel and snake initials',
  );
  const kinds = await runJson<Sym[]>(['symbols', 'load', '--repo', repo, '--kind', 'method'], { env });
  t.ok(kinds.length > 0 && kinds.every((s) => s.kind === 'method'), 'kind filter');

  // Re-index after edits: only the changed file is parsed; deleted files disappear.
  appendFileSync(join(repo, 'src/configLoader.ts'), '\nexport function reloadConfigFromDisk(): void {}\n');
  rmSync(join(repo, 'cmd/server/main.go'));
  const second = await runJson<Summary>(['index', repo], { env });
  t.equal(second.parsed, 1, 'only the edited file is parsed');
  t.equal(second.deleted, 1, 'the deleted file is removed');
  // Files skipped for their content (binary, minified, generated marker, secret in content) stay in the view as
  // skipped rows, so they count as unchanged too: 4 of them.
  t.equal(second.unchanged, first.files + 4 - 2, 'everything else untouched');
  const reload = await runJson<Hit[]>(['search', 'reloadConfigFromDisk', '--repo', repo], { env });
  t.equal(reload[0]?.symbol, 'reloadConfigFromDisk', 'the new function is found');
  t.same(await runJson<Hit[]>(['search', 'serving', '--repo', repo, '--path', 'cmd/**'], { env }), [], 'the deleted file is gone');

  // A new file with the same content as an indexed one reuses its parse.
  mkdirSync(join(repo, 'copy'), { recursive: true });
  writeFileSync(join(repo, 'copy/config_loader.py'), (await import('node:fs')).readFileSync(join(repo, 'src/config_loader.py')));
  const third = await runJson<Summary>(['index', repo], { env });
  t.same({ parsed: third.parsed, reused: third.reused }, { parsed: 0, reused: 1 }, 'identical content is not parsed again');

  const fourth = await runJson<Summary>(['index', repo], { env });
  t.same({ parsed: fourth.parsed, reused: fourth.reused, deleted: fourth.deleted }, { parsed: 0, reused: 0, deleted: 0 }, 'a no-op re-run does nothing');
});

t.test('clear errors, no stack traces', async (t) => {
  const dir = tempDir(t);
  mkdirSync(join(dir, 'plain'));
  writeFileSync(join(dir, 'plain', 'a.txt'), 'x');
  const { env } = isolatedEnv(join(dir, 'home'));

  const notRepo = await runCli(['index', join(dir, 'plain')], { env });
  t.equal(notRepo.code, 1);
  t.match(notRepo.stderr, /not inside a git repository/);
  t.notMatch(notRepo.stderr, /\n\s+at /, 'no stack trace');

  const missing = await runCli(['index', join(dir, 'nope')], { env });
  t.equal(missing.code, 1);
  t.match(missing.stderr, /does not exist|no such|missing/i);

  const badFlag = await runCli(['search', 'x', '--limit', 'many'], { env });
  t.equal(badFlag.code, 2, 'usage error exits 2');
  t.match(badFlag.stderr, /--limit/);

  const notIndexed = await runCli(['search', 'x', '--repo', join(dir, 'nope')], { env });
  t.equal(notIndexed.code, 1);

  // Nothing indexed at all: the empty answer says what to do.
  const empty = await runCli(['search', 'parse'], { env, cwd: join(dir, 'plain') });
  t.equal(empty.code, 0);
  t.match(empty.stdout, /no results for "parse"\nnothing is indexed yet: run `contextd index <path>`/);
  // In a git repository that is not indexed, every indexed one is searched, and stderr says so.
  const indexed = join(dir, 'indexed');
  const unindexed = join(dir, 'unindexed');
  await buildFixture('basic', indexed);
  await buildFixture('basic', unindexed);
  await runJson(['index', indexed, '--no-embed'], { env });
  const elsewhere = await runCli(['search', 'parseJsonConfig', '--json'], { env, cwd: unindexed });
  t.equal(elsewhere.code, 0);
  t.match(elsewhere.stderr, /note: .*unindexed is not indexed yet; searching every indexed repository \(run: contextd index /);
  const hits = JSON.parse(elsewhere.stdout) as { repo: string }[];
  t.ok(hits.length > 0 && hits.every((h) => h.repo === indexed), 'the hits come from the indexed repository, and stdout stays JSON');

  // A corrupt data dir: the database file is garbage.
  const dataDir = join(dir, 'home', 'data', 'contextd');
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(join(dataDir, 'index.db'), 'garbage '.repeat(1000));
  const corrupt = await runCli(['search', 'x'], { env });
  t.equal(corrupt.code, 1);
  t.match(corrupt.stderr, /corrupt/);
  t.match(corrupt.stderr, /hint:/);
  t.notMatch(corrupt.stderr, /\n\s+at /);

  for (const cmd of [[], ['index'], ['search'], ['symbols'], ['daemon'], ['status'], ['add'], ['remove'], ['list'], ['stop']]) {
    const help = await runCli([...cmd, '--help'], { env });
    t.equal(help.code, 0, `${['contextd', ...cmd].join(' ')} --help`);
    t.match(help.stdout, /Usage: contextd/);
  }
});

t.test('a repository with no commits', async (t) => {
  const dir = tempDir(t);
  const { env } = isolatedEnv(join(dir, 'home'));
  const repo = join(dir, 'empty');
  await buildFixture('empty', repo);
  const s = await runJson<Summary & { head: string | null }>(['index', repo], { env });
  t.equal(s.head, null);
  t.equal(s.files, 1, 'the untracked file is indexed');
  const text = await runCli(['index', repo], { env });
  t.match(text.stdout, /no commits yet/);
});
