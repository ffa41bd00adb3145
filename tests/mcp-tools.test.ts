/**
 * The MCP contract: titles and annotations on every tool, strict input schemas, output
 * schemas whose structuredContent always validates (the SDK client checks it on every
 * call) and is never empty, the CLI's search filters, the grep/history/outline/listing
 * tools, resources, and the pinned tools/list. A real daemon, real git repositories.
 */
import t from 'tap';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult, ResourceLink } from '@modelcontextprotocol/sdk/types.js';
import { fixtureGit } from '../fixtures/repo-builder.js';
import { daemonWithRepo } from './helpers/daemon.js';
import { UnixSocketClientTransport } from './helpers/mcp-socket-transport.js';

/** The text of a resources/read answer's first content (text, not blob). */
const readText = (r: { contents: ({ text: string } | { blob: string })[] }) => {
  const c = r.contents[0];
  return c && 'text' in c ? c.text : '';
};
const text = (r: unknown) => (r as CallToolResult).content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');

async function connect(t: Tap, env: NodeJS.ProcessEnv): Promise<Client> {
  const client = new Client({ name: 'contract', version: '1' });
  await client.connect(new UnixSocketClientTransport(join(env.XDG_RUNTIME_DIR!, 'contextd', 'mcp.sock')));
  t.teardown(() => client.close());
  return client;
}
type Tap = Parameters<Parameters<typeof t.test>[0]>[0];

t.test('tools/list: titles, annotations, strict schemas, output schemas, pinned', async (t) => {
  const { env } = await daemonWithRepo(t, 'basic', { CONTEXTD_QDRANT_API_KEY: 'qd-very-secret-key' });
  const client = await connect(t, env);
  const { tools } = await client.listTools();
  for (const tool of tools) {
    t.ok(tool.title, `${tool.name} has a title`);
    t.ok(
      (tool.description ?? '').length > 80 && (tool.description ?? '').length < 420,
      `${tool.name}: a description that says when to use it, under ~400 chars (${tool.description?.length})`,
    );
    t.equal(tool.annotations?.openWorldHint, false, `${tool.name} is closed-world`);
    t.equal(tool.annotations?.readOnlyHint, tool.name !== 'reindex', `${tool.name} readOnlyHint`);
    t.equal(tool.inputSchema.additionalProperties, false, `${tool.name} refuses unknown arguments`);
    t.ok(tool.outputSchema, `${tool.name} declares its output`);
  }
  const reindex = tools.find((x) => x.name === 'reindex')!;
  t.same([reindex.annotations?.destructiveHint, reindex.annotations?.idempotentHint], [false, true], 'reindex: not destructive, idempotent');
  t.same(
    (await client.listTools()).tools.map((x) => x.name),
    tools.map((x) => x.name),
    'a deterministic order',
  );
  // The contract, pinned: an unintended change to a name, schema or annotation fails here (`npx tap --snapshot` to accept one).
  // Kept under tests/ (the top level holds only what the product card lists).
  t.snapshotFile = new URL('./snapshots/mcp-tools.test.cjs', import.meta.url);
  t.matchSnapshot(
    tools.map((x) => ({
      name: x.name,
      title: x.title,
      annotations: x.annotations,
      inputSchema: x.inputSchema,
      outputSchema: x.outputSchema,
      description: x.description,
    })),
    'tools/list',
  );

  const config = (await client.callTool({ name: 'get_config', arguments: {} })) as CallToolResult;
  t.notOk(config.isError, text(config));
  t.notMatch(JSON.stringify(config), /qd-very-secret-key/, 'get_config never shows a credential');
  t.match((config.structuredContent as { config: { qdrant: { apiKey: string } } }).config.qdrant.apiKey, '[redacted]');
});

t.test('every tool answers with valid, non-empty structured content; filters and new tools', async (t) => {
  const { env, repo } = await daemonWithRepo(t, 'history');
  const client = await connect(t, env);
  await client.listTools(); // the SDK client validates structuredContent against the schemas it listed
  const call = async (name: string, args: Record<string, unknown>) => {
    const r = (await client.callTool({ name, arguments: { repo, ...args } })) as CallToolResult;
    t.notOk(r.isError, `${name}: ${text(r).slice(0, 300)}`);
    t.ok(r.structuredContent && Object.keys(r.structuredContent).length, `${name}: structuredContent is not empty`);
    t.ok(text(r).length > 0, `${name}: the text is kept`);
    return r;
  };

  // search_code with the CLI's history filters: only code whose lines match.
  type Hit = { path: string; startLine: number; endLine: number; uri: string; history: { lastChange: { author: string; date: string } | null } };
  const owners = async (h: Hit) => {
    const hist = (await call('code_history', { path: h.path, start: h.startLine, end: h.endLine })).structuredContent as {
      commits: { author: string | null; date: string | null; lines: number }[];
    };
    return hist.commits.filter((c) => c.lines > 0);
  };
  const byCarol = (await call('search_code', { query: 'cache invalidate', author: 'carol', mode: 'lexical' })).structuredContent as { hits: Hit[] };
  t.ok(byCarol.hits.length, 'hits by Carol');
  for (const h of byCarol.hits)
    t.ok(
      (await owners(h)).some((c) => /Carol/.test(c.author ?? '')),
      `${h.path}:${h.startLine} has lines last changed by Carol`,
    );
  const recent = (await call('search_code', { query: 'cache', since: '2023-08-01', history: true, boost_recent: true })).structuredContent as { hits: Hit[] };
  t.ok(recent.hits.length, 'hits since August');
  for (const h of recent.hits)
    t.ok(
      (await owners(h)).some((c) => (c.date ?? '') >= '2023-08-01'),
      `${h.path}:${h.startLine} changed since 2023-08-01`,
    );
  const none = (await call('search_code', { query: 'cache', until: '2022-01-01' })).structuredContent as { hits: Hit[] };
  t.same(none.hits, [], 'nothing changed before the repository existed');

  // A hit's resource_link reads back as its lines.
  const search = await call('search_code', { query: 'invalidate' });
  const link = search.content.find((c) => c.type === 'resource_link') as ResourceLink | undefined;
  t.ok(link, 'hits carry resource links');
  const read = await client.readResource({ uri: link!.uri });
  const hit = (search.structuredContent as { hits: Hit[] }).hits[0];
  t.equal(link!.uri, hit.uri);
  t.equal(
    readText(read),
    (await call('get_code', { path: hit.path, start: hit.startLine, end: hit.endLine })).structuredContent!.text,
    'resources/read serves the lines get_code serves',
  );

  // grep_code: exact and regex, with the same history filters.
  const grep = (await call('grep_code', { pattern: 'self.hits' })).structuredContent as { matches: { path: string; line: number; text: string }[] };
  t.same(
    [...new Set(grep.matches.map((m) => m.path))],
    ['src/cache.py', 'src/metrics.py'].filter((p) => grep.matches.some((m) => m.path === p)),
  );
  t.ok(
    grep.matches.every((m) => m.text.includes('self.hits') || m.text.includes('cache.hits')),
    'exact lines',
  );
  t.ok(grep.matches.some((m) => m.path === 'src/cache.py'));
  const regex = (await call('grep_code', { pattern: 'def test_\\w+_twice', regex: true })).structuredContent as { matches: { path: string }[] };
  t.same(
    regex.matches.map((m) => m.path),
    ['tests/test_cache.py'],
    'a regex',
  );
  const carolLines = (await call('grep_code', { pattern: '_pending', author: 'carol', paths: ['src/**'] })).structuredContent as {
    matches: { text: string }[];
  };
  t.ok(carolLines.matches.length, 'lines Carol wrote');
  t.ok(carolLines.matches.every((m) => /_pending/.test(m.text)));
  const bobOnly = (await call('grep_code', { pattern: 'self._pending.pop', author: 'bob' })).structuredContent as { matches: unknown[] };
  t.same(bobOnly.matches, [], 'Bob never wrote that line');

  // search_history: the pickaxe says when something was added, and messages are searched too.
  const added = (await call('search_history', { query: 'self.hits', in: 'diffs' })).structuredContent as {
    commits: { subject: string; lines: { sign: string }[] }[];
  };
  t.equal(added.commits.at(-1)?.subject, 'Count cache hits for the dashboard', 'the commit that added it');
  t.ok(added.commits.at(-1)?.lines.some((l) => l.sign === '+'));
  const msg = (await call('search_history', { query: 'thundering herd', ignore_case: true })).structuredContent as {
    commits: { subject: string; matched: string[] }[];
  };
  t.ok(msg.commits.some((c) => c.subject === 'Stop the thundering herd when entries expire' && c.matched.includes('message')));

  // outline and list_files.
  const outline = (await call('outline', { path: 'src/cache.py' })).structuredContent as {
    symbols: { name: string; container: string | null; startLine: number }[];
  };
  t.ok(outline.symbols.some((s) => s.name === 'Cache' && !s.container));
  t.ok(outline.symbols.some((s) => s.name === 'invalidate' && s.container === 'Cache'));
  const py = (await call('list_files', { glob: '*.py' })).structuredContent as { files: { path: string }[]; total: number };
  t.ok(py.files.length >= 5 && py.files.every((f) => f.path.endsWith('.py')), 'a glob');
  const page1 = (await call('list_files', { limit: 2 })).structuredContent as { files: { path: string }[]; next_cursor: string | null; total: number };
  const page2 = (await call('list_files', { limit: 2, cursor: page1.next_cursor })).structuredContent as { files: { path: string }[] };
  t.notSame(page2.files, page1.files, 'pages');

  for (const [name, args] of [
    ['find_symbol', { name: 'Cache' }],
    ['get_code', { symbol: 'Cache.invalidate' }],
    ['recent_changes', { since: '2023-01-01' }],
    ['related_files', { path: 'src/store.py' }],
    ['index_status', {}],
    ['reindex', { paths: ['src/cache.py'] }],
  ] as const) {
    const r = name === 'index_status' ? await client.callTool({ name, arguments: {} }) : await call(name, args);
    t.ok((r as CallToolResult).structuredContent, `${name} answers`);
  }
  const bad = (await client.callTool({ name: 'grep_code', arguments: { repo, pattern: 'x', limit: 0 } })) as CallToolResult;
  t.equal(bad.isError, true, 'bad arguments: isError');
  t.ok(text(bad).length > 10, 'with a message');
});

t.test('resources: repositories listed, templates, reads confined like get_code', async (t) => {
  const { env, repo } = await daemonWithRepo(t, 'basic');
  const client = await connect(t, env);
  const { resources } = await client.listResources();
  t.same(
    resources.map((r) => r.title),
    [repo],
    'the registered repository',
  );
  const base = resources[0].uri;
  t.match(base, /^contextd:\/\/basic\/$/);
  const { resourceTemplates } = await client.listResourceTemplates();
  t.same(
    resourceTemplates.map((r) => r.uriTemplate),
    ['contextd://{repo}/{+path}', 'contextd://{repo}/{+path}?lines={start}-{end}', 'contextd://{repo}/{+path}?rev={rev}'],
  );
  const listing = await client.readResource({ uri: base });
  t.match(readText(listing), /src\/config_loader\.py/, 'reading a repository lists its files');
  const lines = await client.readResource({ uri: `${base}src/config_loader.py?lines=1-4` });
  t.equal(
    readText(lines),
    await client
      .callTool({ name: 'get_code', arguments: { repo, path: 'src/config_loader.py', start: 1, end: 4 } })
      .then((r) => (r as CallToolResult).structuredContent!.text),
  );
  // A file at a commit: before the last change.
  const first = fixtureGit(repo, ['rev-list', '--max-parents=0', 'HEAD']).trim();
  const atFirst = await client.readResource({ uri: `${base}src/configLoader.ts?rev=${first}` }).then(
    (r) => readText(r),
    (err: Error) => `error: ${err.message}`,
  );
  const now = await client.readResource({ uri: `${base}src/configLoader.ts` });
  t.not(atFirst, readText(now), 'the file at its first commit differs from today');
  t.notMatch(atFirst, /^error/, atFirst);
  for (const [uri, why] of [
    [`${base}.env`, /secret/],
    [`${base}../../etc/passwd`, /outside/],
    [`${base}deploy/key.pem`, /secret/],
    [`${base}.git/config`, /git internals/],
    [`${base}.env?rev=HEAD`, /secret/],
    [`${base}src/config_loader.py?rev=--output=x`, /not a commit name/],
    ['contextd://nosuchrepo/x', /no registered repository/],
  ] as const) {
    const err = await client.readResource({ uri }).then(
      () => 'served',
      (e: Error) => e.message,
    );
    t.match(err, why, `${uri} refused`);
  }
});
