/**
 * The code graph through the Engine, on both store backends (SQLite; PostgreSQL from
 * tests/helpers/services.ts, else a loud skip): the `graph` fixture's references, callers,
 * callees, implementations and the impact of its last commit, site by site; both backends
 * answer identically; an edit re-resolves (no stale edge); parses stored before the graph
 * get their facts on the next run.
 */
import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../daemon/config/config.js';
import { Engine } from '../daemon/engine.js';
import { GRAPH_VERSION } from '../daemon/lang/graph/types.js';
import { buildFixture } from '../fixtures/repos.js';
import { isolatedEnv, runCli, tempDir } from './helpers/cli.js';
import { pgForTest, pgSchemaUrl } from './helpers/services.js';

type ServiceT = Parameters<typeof pgForTest>[0];
const pg = await pgForTest(t as unknown as ServiceT);

const backends: { name: string; env: (t: Tap.Test) => Record<string, string> }[] = [{ name: 'sqlite', env: () => ({}) }];
if (pg)
  backends.push({ name: 'postgres', env: (t) => ({ CONTEXTD_DATABASE_URL: pgSchemaUrl(t as unknown as ServiceT, pg.url, 'graph'), CONTEXTD_MACHINE: 'm' }) });

async function setup(t: Tap.Test, backend: (typeof backends)[number]) {
  const dir = tempDir(t);
  const { env } = isolatedEnv(join(dir, 'home'));
  const engine = await Engine.open(loadConfig({ ...env, ...backend.env(t) }));
  t.teardown(() => engine.close());
  const repo = join(dir, 'graph');
  await buildFixture('graph', repo);
  await engine.index(repo);
  return { engine, repo };
}

const sites = (refs: { path: string; line: number; kind: string }[]) => refs.map((r) => `${r.path}:${r.line}:${r.kind}`).sort();

const answers: Record<string, unknown>[] = [];

for (const backend of backends) {
  t.test(`${backend.name}: references, callers, callees, implementations, impact`, async (t) => {
    const { engine, repo } = await setup(t, backend);
    const scope = { repo };

    // A function: through a package re-export, a relative module, an alias; a local of the same name is not one.
    const load = await engine.refs('load', scope);
    t.same(
      load.definitions.map((d) => `${d.path}:${d.line}`),
      ['pkg/core.py:4'],
    );
    t.same(
      sites(load.refs),
      [
        'pkg/__init__.py:1:import',
        'pkg/cli.py:10:call',
        'pkg/cli.py:10:call',
        'pkg/cli.py:3:import',
        'pkg/core.py:14:call',
        'tests/test_core.py:1:import',
        'tests/test_core.py:14:read',
        'tests/test_core.py:6:call',
      ].sort(),
      'core.load, the alias read_file and the package re-export all count',
    );
    t.ok(
      load.refs.every((r) => r.confidence >= 0.4 && r.confidence <= 1),
      'every site has a confidence',
    );
    t.notOk(
      load.refs.some((r) => r.path === 'pkg/cli.py' && r.line === 9),
      '`load = 3` in main is a local, not a use of pkg.core.load',
    );

    // A method: self calls in its class, calls on an instance, and an override's super call.
    const get = await engine.refs('Store.get', scope);
    t.same(sites(get.refs), ['pkg/cli.py:8:call', 'pkg/core.py:17:call', 'pkg/core.py:23:call']);

    // TypeScript: named import, namespace import (`util.slugify`), this-calls.
    t.same(sites((await engine.refs('slugify', scope)).refs), ['web/main.ts:1:import', 'web/main.ts:6:call', 'web/main.ts:6:call', 'web/util.ts:9:call']);
    t.same(sites((await engine.refs('web/util.ts:12', scope)).refs), ['web/util.ts:9:call'], 'file:line names the definition on that line');
    const under = await engine.refs('web/main.ts:6:22', scope);
    t.same(
      under.definitions.map((d) => d.symbol),
      ['slugify'],
      'a use under the cursor means what it calls',
    );

    // Go: same package across files, an interface method through a value.
    t.same(sites((await engine.refs('Total', scope)).refs), ['shapes/b.go:7:call']);

    const callers = await engine.callers('load', { ...scope, depth: 2 });
    const names = callers.callers.map((c) => `${c.depth}:${c.symbol}`);
    for (const n of ['1:Store.get', '1:main', '1:test_load', '2:Store.put', '2:CachedStore.get', '2:test_main']) t.ok(names.includes(n), `caller ${n}`);

    const callees = await engine.callees('Greeter.greet', scope);
    t.same(callees.callees.map((c) => c.symbol).sort(), ['Greeter.shout', 'slugify']);

    const impl = await engine.graphFor(await engine.repoFor(repo)).implementations(await engine.graphFor(await engine.repoFor(repo)).resolveTarget('Greeter'));
    t.same(
      impl.map((s) => s.name),
      ['LoudGreeter'],
      'implementations of a class: its subclasses',
    );

    // The last commit changed load (and a test): its callers and the tests reaching it.
    const impact = await engine.impact({ diff: 'HEAD' }, scope);
    t.same(impact.changed.map((c) => c.symbol).sort(), ['load', 'test_strip']);
    t.ok(
      impact.callers.some((c) => c.symbol === 'Store.get'),
      'callers of the changed function',
    );
    t.ok(
      impact.tests.some((x) => x.path === 'tests/test_core.py' && x.symbol === 'test_load'),
      'the test that calls it',
    );
    t.ok(impact.coChange.every((c) => c.confidence > 0 && c.confidence <= 1));
    answers.push({ load: load.refs, get: get.refs, callers: callers.callers, impact: { ...impact, coChange: impact.coChange } });

    // An edit: the next answer follows it (resolution is computed per query from the view).
    writeFileSync(
      join(repo, 'pkg', 'core.py'),
      (await import('node:fs'))
        .readFileSync(join(repo, 'pkg', 'core.py'), 'utf8')
        .replace('return load(os.path.join(self.root, key))', 'return os.path.join(self.root, key)'),
    );
    await engine.index(repo, { paths: ['pkg/core.py'] });
    t.notOk(
      (await engine.refs('load', scope)).refs.some((r) => r.path === 'pkg/core.py' && r.kind === 'call'),
      'the removed call is gone',
    );
    const stats = await engine.store.graphStats((await engine.repoFor(repo)).id);
    t.equal(stats.files, 10, 'every source file has facts');
  });
}

t.test('both backends answer the same', async (t) => {
  if (answers.length < 2) return t.skip('only one backend here');
  t.same(answers[1], answers[0]);
});

t.test('parses stored before the graph (or with it off) get their facts on the next run', async (t) => {
  const dir = tempDir(t);
  const { env } = isolatedEnv(join(dir, 'home'));
  const repo = join(dir, 'graph');
  await buildFixture('graph', repo);
  const off = await Engine.open(loadConfig({ ...env, CONTEXTD_GRAPH: '0' }));
  await off.index(repo);
  const id = (await off.repoFor(repo)).id;
  t.equal((await off.store.graphStats(id)).files, 0, 'no facts with the graph off');
  t.ok((await off.store.graphPending(id, GRAPH_VERSION, ['python'], 100)).length > 0, 'python files wait for facts');
  await off.close();
  const on = await Engine.open(loadConfig(env));
  t.teardown(() => on.close());
  const summary = await on.index(repo);
  t.equal(summary.parsed, 0, 'nothing re-chunked');
  t.equal((await on.store.graphStats(id)).files, 10, 'facts for every source file');
  t.ok((await on.refs('load', { repo })).refs.length > 0);
});

t.test('patterns: endpoints with method, path and handler; database queries and error handling as search filters', async (t) => {
  const { engine, repo } = await setup(t, backends[0]);
  const { patterns } = await engine.patterns('endpoint', { repo });
  t.same(
    patterns.map((p) => `${p.detail} ${p.handler ?? '-'} ${p.path}:${p.line}`),
    ['GET,PUT /users/<uid> user api/app.py:6', 'GET /health health api/server.js:7', 'POST /items/:id - api/server.js:8'],
  );
  const db = await engine.patterns('db-query', { repo });
  t.ok(db.patterns.some((p) => p.path === 'api/app.py' && p.line === 9));
  const errors = await engine.patterns('error-handling', { repo });
  t.same(
    errors.patterns.filter((p) => p.path === 'api/app.py').map((p) => p.detail),
    ['try', 'except', 'raise'],
  );
  t.ok((await engine.search('slugify', { repo, mode: 'lexical' })).length > 0, 'slugify is found');
  t.same(await engine.search('slugify', { repo, mode: 'lexical', tags: ['endpoint'] }), [], 'but holds no endpoint');
  const tagged = await engine.search('res', { repo, mode: 'lexical', tags: ['endpoint'] });
  t.same(
    tagged.map((h) => h.path),
    ['api/server.js'],
    'with --tag endpoint only code declaring routes',
  );
  t.same(
    (await engine.search('execute', { repo, mode: 'lexical', tags: ['db-query', 'error-handling'] })).map((h) => h.path),
    ['api/app.py'],
  );
});

t.test('contextd migrate carries the graph: the same answers from PostgreSQL', async (t) => {
  if (!pg) return t.skip('no PostgreSQL here');
  const dir = tempDir(t);
  const { env } = isolatedEnv(join(dir, 'home'));
  const repo = join(dir, 'graph');
  await buildFixture('graph', repo);
  const a = await Engine.open(loadConfig(env));
  await a.index(repo);
  const before = [await a.refs('load', { repo }), await a.callers('Store.get', { repo, depth: 2 }), await a.patterns('endpoint', { repo })];
  await a.close();
  const url = pgSchemaUrl(t as unknown as ServiceT, pg.url, 'graphmigrate');
  const up = await runCli(['migrate', '--json'], { env: { ...env, CONTEXTD_DATABASE_URL: url, CONTEXTD_MACHINE: 'm' } });
  t.equal(up.code, 0, up.stderr);
  t.match(JSON.parse(up.stdout), { tables: { graph_parses: 10 } });
  const b = await Engine.open(loadConfig({ ...env, CONTEXTD_DATABASE_URL: url, CONTEXTD_MACHINE: 'm' }));
  t.teardown(() => b.close());
  const after = [await b.refs('load', { repo }), await b.callers('Store.get', { repo, depth: 2 }), await b.patterns('endpoint', { repo })];
  t.same(after, before);
});

t.test('impact of removing a definition: it is listed as removed, with the callers it leaves broken', async (t) => {
  const { engine, repo } = await setup(t, backends[0]);
  const util = join(repo, 'web', 'util.ts');
  const text = (await import('node:fs')).readFileSync(util, 'utf8');
  writeFileSync(util, text.replace("export function slugify(text: string): string {\n  return text.toLowerCase().replace(/ /g, '-');\n}\n", ''));
  const r = await engine.impact({ diff: true }, { repo });
  const removed = r.changed.find((c) => c.symbol === 'slugify');
  t.ok(removed?.deleted, 'slugify is removed');
  t.same(removed?.path, 'web/util.ts');
  const callers = r.callers.map((c) => c.symbol).sort();
  for (const c of ['Greeter.greet', 'run']) t.ok(callers.includes(c), `${c} still calls it`);
});
