/**
 * MCP over Streamable HTTP: the real SDK client by URL with the bearer token; requests
 * without it, with another Host (DNS rebinding) or a foreign Origin refused; older
 * protocol revisions negotiated. A real daemon on an ephemeral loopback port.
 */
import t from 'tap';
import { request } from 'node:http';
import { readFileSync, statSync } from 'node:fs';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { LATEST_PROTOCOL_VERSION, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { daemonWithRepo } from './helpers/daemon.js';
import { runCli } from './helpers/cli.js';
import type { DaemonStatus } from '../daemon/server/status.js';

function post(url: string, headers: Record<string, string>, body: unknown): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream', ...headers } },
      (res) => {
        let data = '';
        res.on('data', (d) => (data += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: data }));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

const initialize = (version: string) => ({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: version, capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
});

t.test('Streamable HTTP at /mcp: token, Host and Origin checks, protocol revisions', async (t) => {
  const { repo, daemon, env } = await daemonWithRepo(t, 'basic', { CONTEXTD_HTTP_PORT: '0' });
  const st = await daemon.call<DaemonStatus>('status');
  const url = st.paths.mcpHttp!;
  t.match(
    (await runCli(['status'], { env })).stdout,
    new RegExp(`mcp http ${url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}  \\(bearer token in `),
    '`contextd status` shows where to connect',
  );
  t.match(url, /^http:\/\/127\.0\.0\.1:\d+\/mcp$/, 'loopback only');
  t.equal(statSync(st.paths.httpTokenFile!).mode & 0o777, 0o600, 'the token file is owner-only');
  const token = readFileSync(st.paths.httpTokenFile!, 'utf8').trim();

  const client = new Client({ name: 'http-test', version: '1' });
  const transport = new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { Authorization: `Bearer ${token}` } } });
  await client.connect(transport);
  t.teardown(() => client.close());
  t.equal(transport.protocolVersion, LATEST_PROTOCOL_VERSION, 'the newest revision the SDK knows is negotiated');
  const tools = await client.listTools();
  t.ok(
    tools.tools.some((x) => x.name === 'search_code' && x.annotations?.readOnlyHint),
    'the same tools as on the socket',
  );
  const r = (await client.callTool({ name: 'search_code', arguments: { query: 'parseJsonConfig', repo } })) as CallToolResult;
  t.notOk(r.isError);
  t.match((r.structuredContent as { hits: { path: string }[] }).hits[0]?.path, /configLoader\.ts|config_loader\.py/);

  const host = new URL(url).host;
  const auth = { Authorization: `Bearer ${token}` };
  t.equal((await post(url, {}, initialize(LATEST_PROTOCOL_VERSION))).status, 401, 'no token: 401');
  t.equal(
    (await post(url, { Authorization: 'Bearer not-the-token-not-the-token-not-the' }, initialize(LATEST_PROTOCOL_VERSION))).status,
    401,
    'a wrong token: 401',
  );
  t.equal(
    (await post(url, { ...auth, Host: `evil.example:${new URL(url).port}` }, initialize(LATEST_PROTOCOL_VERSION))).status,
    421,
    'another Host (DNS rebinding): refused',
  );
  t.equal((await post(url, { ...auth, Origin: 'https://evil.example' }, initialize(LATEST_PROTOCOL_VERSION))).status, 403, 'a foreign Origin: refused');
  t.equal((await post(url, { ...auth, Origin: `http://${host}` }, initialize(LATEST_PROTOCOL_VERSION))).status, 200, 'its own origin is fine');
  t.equal((await post(url.replace('/mcp', '/other'), auth, initialize(LATEST_PROTOCOL_VERSION))).status, 404);
  t.equal(
    (await post(url, { ...auth, 'Mcp-Session-Id': 'no-such-session' }, { jsonrpc: '2.0', id: 2, method: 'tools/list' })).status,
    404,
    'an unknown session: 404',
  );
  for (const version of ['2025-03-26', '2024-11-05']) {
    const res = await post(url, auth, initialize(version));
    t.equal(res.status, 200, `${version} accepted`);
    const payload = res.body.includes('data:')
      ? res.body
          .split('\n')
          .find((l) => l.startsWith('data:'))!
          .slice(5)
      : res.body;
    t.equal((JSON.parse(payload) as { result: { protocolVersion: string } }).result.protocolVersion, version, `${version} kept (older clients keep working)`);
  }
});
