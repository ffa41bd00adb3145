/**
 * The graph's commands as a user runs them (the built CLI, a real git repository): the refs
 * JSON contract, callers to a depth, callees, impact of a commit, of the working tree and of
 * the staged changes, and the errors for a bad target, revision or flag.
 */
import t from 'tap';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildFixture } from '../fixtures/repos.js';
import { fixtureGit } from '../fixtures/repo-builder.js';
import { isolatedEnv, runCli, runJson, tempDir } from './helpers/cli.js';

interface Ref {
  path: string;
  line: number;
  column: number;
  kind: string;
  symbol: string | null;
  confidence: number;
}

t.test('refs, callers, callees and impact from the command line', async (t) => {
  const dir = tempDir(t);
  const { env } = isolatedEnv(join(dir, 'home'));
  const repo = join(dir, 'graph');
  await buildFixture('graph', repo);
  await runJson(['index', repo], { env });

  const refs = await runJson<Ref[]>(['refs', 'Store.get'], { env, cwd: repo });
  t.same(
    refs.map((r) => Object.keys(r).sort()),
    refs.map(() => ['column', 'confidence', 'kind', 'line', 'path', 'symbol']),
    'refs JSON: {path, line, column, kind, symbol, confidence}',
  );
  t.same(refs.map((r) => `${r.path}:${r.line}:${r.column}:${r.kind}:${r.symbol}`).sort(), [
    'pkg/cli.py:8:13:call:main',
    'pkg/core.py:17:14:call:Store.put',
    'pkg/core.py:23:24:call:CachedStore.get',
  ]);
  const rel = await runJson<Ref[]>(['refs', 'pkg/core.py:13', '--kind', 'call'], { env, cwd: repo });
  t.same(rel, refs, 'file:line names the same definition');

  const callers = await runJson<{ callers: { symbol: string; depth: number }[] }>(['callers', 'load', '--depth', '2'], { env, cwd: repo });
  t.ok(callers.callers.some((c) => c.symbol === 'Store.put' && c.depth === 2));
  const callees = await runJson<{ callees: { symbol: string }[] }>(['callees', 'web/util.ts:9'], { env, cwd: repo });
  t.same(callees.callees.map((c) => c.symbol).sort(), ['Greeter.shout', 'slugify']);

  const head = await runJson<{ changed: { symbol: string }[]; callers: { symbol: string }[]; tests: { path: string }[] }>(['impact', '--diff', 'HEAD'], {
    env,
    cwd: repo,
  });
  t.same(head.changed.map((c) => c.symbol).sort(), ['load', 'test_strip'], 'what the last commit changed');
  t.ok(head.callers.some((c) => c.symbol === 'Store.get'));
  t.ok(head.tests.some((x) => x.path === 'tests/test_core.py'));

  appendFileSync(join(repo, 'web', 'util.ts'), '\nexport function unused(): number {\n  return 1;\n}\n');
  const work = await runJson<{ changed: { symbol: string }[]; source: string }>(['impact', '--diff'], { env, cwd: repo });
  t.same(
    work.changed.map((c) => c.symbol),
    ['unused'],
    'the working tree vs HEAD',
  );
  await fixtureGit(repo, ['add', 'web/util.ts']);
  const staged = await runJson<{ changed: { symbol: string }[] }>(['impact', '--staged'], { env, cwd: repo });
  t.same(
    staged.changed.map((c) => c.symbol),
    ['unused'],
    'the staged change',
  );

  const eps = await runJson<{ endpoints: { method: string; path: string; handler: string | null; file: string; line: number }[] }>(['endpoints'], {
    env,
    cwd: repo,
  });
  t.same(
    eps.endpoints.map((e) => `${e.method} ${e.path} ${e.handler} ${e.file}:${e.line}`),
    ['GET,PUT /users/<uid> user api/app.py:6', 'GET /health health api/server.js:7', 'POST /items/:id null api/server.js:8'],
  );
  const tagged = await runJson<{ path: string }[]>(['search', 'res', '--mode', 'lexical', '--tag', 'endpoint'], { env, cwd: repo });
  t.same(
    tagged.map((h) => h.path),
    ['api/server.js'],
  );
  t.equal((await runCli(['search', 'res', '--tag', 'nope'], { env, cwd: repo })).code, 2);

  const human = await runCli(['refs', 'load'], { env, cwd: repo });
  t.equal(human.code, 0);
  t.match(human.stdout, /load function {2}pkg\/core\.py:4/);

  const missing = await runCli(['refs', 'no_such_thing'], { env, cwd: repo });
  t.not(missing.code, 0);
  t.match(missing.stderr, /no definition found for no_such_thing/);
  const badRev = await runCli(['impact', '--diff', 'nope~9'], { env, cwd: repo });
  t.not(badRev.code, 0);
  t.match(badRev.stderr, /cannot resolve nope~9/);
  const both = await runCli(['impact', 'load', '--staged'], { env, cwd: repo });
  t.equal(both.code, 2);
  const badKind = await runCli(['refs', 'load', '--kind', 'eat'], { env, cwd: repo });
  t.equal(badKind.code, 2);
  t.match((await runCli(['refs', '--help'], { env })).stdout, /JSON: \[\{ path, line, column, kind, symbol, confidence \}\]/);
});
