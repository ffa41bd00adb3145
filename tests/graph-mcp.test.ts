/**
 * The graph's MCP tools (find_references, call_graph, change_impact, list_endpoints) through a real daemon and
 * the real MCP SDK client (which validates every structuredContent against the tool's output
 * schema): answers on the `graph` fixture, the token budget, argument errors.
 */
import t from 'tap';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { daemonWithRepo } from './helpers/daemon.js';
import { UnixSocketClientTransport } from './helpers/mcp-socket-transport.js';

const text = (r: CallToolResult) => r.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');

t.test('find_references, call_graph and change_impact on a real repository', async (t) => {
  const { env, repo } = await daemonWithRepo(t, 'graph');
  const client = new Client({ name: 'graph', version: '1' });
  await client.connect(new UnixSocketClientTransport(join(env.XDG_RUNTIME_DIR!, 'contextd', 'mcp.sock')));
  t.teardown(() => client.close());
  const call = async (name: string, args: Record<string, unknown>) => (await client.callTool({ name, arguments: { repo, ...args } })) as CallToolResult;

  const refs = await call('find_references', { target: 'load' });
  t.notOk(refs.isError, text(refs));
  const s = refs.structuredContent as { definitions: { path: string }[]; references: { path: string; line: number; kind: string }[]; total: number };
  t.same(
    s.definitions.map((d) => d.path),
    ['pkg/core.py'],
  );
  t.ok(
    s.references.some((r) => r.path === 'pkg/core.py' && r.line === 14 && r.kind === 'call'),
    'the call in Store.get',
  );
  t.equal(s.total, s.references.length);

  const byPos = await call('find_references', { target: 'pkg/core.py:13', kinds: ['call'] });
  t.same(
    (byPos.structuredContent as { references: { path: string; line: number }[] }).references.map((r) => `${r.path}:${r.line}`).sort(),
    ['pkg/cli.py:8', 'pkg/core.py:17', 'pkg/core.py:23'],
    'a position names the method defined there',
  );

  const tight = await call('find_references', { target: 'load', max_tokens: 200 });
  t.ok((tight.structuredContent as { references: unknown[]; total: number }).references.length <= s.total);

  const callers = await call('call_graph', { target: 'load', depth: 2 });
  t.notOk(callers.isError, text(callers));
  const nodes = (callers.structuredContent as { nodes: { symbol: string | null; depth: number }[] }).nodes;
  t.ok(
    nodes.some((n) => n.symbol === 'Store.put' && n.depth === 2),
    'a caller two calls away',
  );
  const callees = await call('call_graph', { target: 'Greeter.greet', direction: 'callees' });
  t.same((callees.structuredContent as { nodes: { symbol: string }[] }).nodes.map((n) => n.symbol).sort(), ['Greeter.shout', 'slugify']);

  const impact = await call('change_impact', { change: 'HEAD' });
  t.notOk(impact.isError, text(impact));
  const im = impact.structuredContent as { changed: { symbol: string }[]; tests: { symbol: string | null }[] };
  t.ok(
    im.changed.some((c) => c.symbol === 'load'),
    'the changed function',
  );
  t.ok(
    im.tests.some((x) => x.symbol === 'test_load'),
    'a test reaching it',
  );

  const endpoints = await call('list_endpoints', { path_prefix: '/items' });
  t.notOk(endpoints.isError, text(endpoints));
  t.same((endpoints.structuredContent as { endpoints: unknown[] }).endpoints, [
    { method: 'POST', path: '/items/:id', handler: null, file: 'api/server.js', line: 8 },
  ]);

  const both = await call('change_impact', { change: 'HEAD', target: 'load' });
  t.ok(both.isError, 'target and change together are refused');
  const outside = await call('find_references', { target: '../../etc/passwd:1' });
  t.ok(outside.isError, 'a path outside the repository is refused');
});
