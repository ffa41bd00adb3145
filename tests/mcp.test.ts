import t from 'tap';
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { buildFixture } from '../fixtures/repos.js';
import { fixtureGit } from '../fixtures/repo-builder.js';
import { CLI, REPO_ROOT, isolatedEnv, runJson, tempDir } from './helpers/cli.js';
import { daemonWithRepo, startDaemon } from './helpers/daemon.js';
import { UnixSocketClientTransport } from './helpers/mcp-socket-transport.js';
import type { DaemonStatus } from '../daemon/server/status.js';

// ask_codebase is listed only while a local model answers (none here): tests/mcp-tool-list.test.ts.
const TOOLS = [
  'search_code',
  'grep_code',
  'find_symbol',
  'outline',
  'find_references',
  'call_graph',
  'change_impact',
  'list_endpoints',
  'list_files',
  'get_code',
  'code_history',
  'search_history',
  'recent_changes',
  'related_files',
  'locate_change',
  'index_status',
  'get_config',
  'reindex',
];

function text(r: unknown): string {
  const res = r as CallToolResult;
  return res.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
}

t.test('MCP over the daemon socket and through `contextd mcp`', async (t) => {
  const dir = tempDir(t);
  const { env } = isolatedEnv(join(dir, 'home'));
  const repo = join(dir, 'basic');
  const other = join(dir, 'other');
  await buildFixture('basic', repo);
  await buildFixture('empty', other);
  // A symlink inside the work tree that points out of it.
  symlinkSync('/etc', join(repo, 'outside'));
  // Two long functions, so that a small budget has something to trim.
  const long = (name: string) =>
    `def ${name}(entries):\n` + Array.from({ length: 60 }, (_, i) => `    total_${i} = sum(e.amount for e in entries)  # ledger line ${i}`).join('\n') + '\n';
  writeFileSync(join(repo, 'src/ledger.py'), long('balance_ledger') + '\n\n' + long('audit_ledger'));

  const daemon = await startDaemon(env);
  t.teardown(() => daemon.stop());
  await runJson(['add', repo, '--wait'], { env });
  await runJson(['add', other, '--wait'], { env });
  const mcpSock = join(env.XDG_RUNTIME_DIR!, 'contextd', 'mcp.sock');

  const client = new Client({ name: 'contextd-test', version: '1.0.0' });
  await client.connect(new UnixSocketClientTransport(mcpSock));
  t.teardown(() => client.close());

  const tools = await client.listTools();
  t.same(
    tools.tools.map((x) => x.name),
    TOOLS,
    'every tool listed, in a fixed order',
  );
  for (const tool of tools.tools) t.ok((tool.description ?? '').length > 40, `${tool.name} has a real description`);

  const search = (await client.callTool({ name: 'search_code', arguments: { query: 'json config', repo } })) as CallToolResult;
  t.notOk(search.isError);
  t.match(text(search), /src\/configLoader\.ts:1-5 {2}parseJsonConfig/);
  t.match(text(search), /```typescript\n/);
  const hits = (search.structuredContent as { hits: { path: string; symbol: string }[] }).hits;
  t.ok(
    hits.some((h) => h.symbol === 'parse_json_config'),
    'structured hits',
  );

  const sym = (await client.callTool({ name: 'find_symbol', arguments: { name: 'pjc', repo } })) as CallToolResult;
  t.match(text(sym), /parseJsonConfig \(function, initials\)/);
  t.match(text(sym), /parse_json_config \(function, initials\)/);

  const code = (await client.callTool({ name: 'get_code', arguments: { path: 'src/config_loader.py', start: 1, end: 4, repo } })) as CallToolResult;
  t.match(text(code), /src\/config_loader\.py:1-4/);
  t.match(text(code), /1 {2}import json/);
  t.match(text(code), /4 {2}class ConfigLoader:/);
  const bySymbol = (await client.callTool({ name: 'get_code', arguments: { symbol: 'ConfigLoader.load', repo } })) as CallToolResult;
  t.match(text(bySymbol), /src\/config_loader\.py:10-12/);
  t.match(text(bySymbol), /def load\(self\):/);

  // Path confinement and secrets.
  for (const [path, why] of [
    ['../../../../etc/passwd', /outside/],
    ['/etc/passwd', /outside/],
    ['outside/hostname', /symlink|outside/],
    ['.env', /secret/],
    ['deploy/key.pem', /secret/],
    ['config.js', /secret/],
    ['.git/config', /git internals/],
  ] as const) {
    const r = (await client.callTool({ name: 'get_code', arguments: { path, repo } })) as CallToolResult;
    t.equal(r.isError, true, `${path} refused`);
    t.match(text(r), why);
  }

  // Bad arguments are MCP errors, not crashes.
  const bad = await client.callTool({ name: 'search_code', arguments: { query: '' } }).then(
    (r) => text(r),
    (err: Error) => err.message,
  );
  t.match(bad, /query|too_small|Invalid/i, 'empty query rejected');
  const unknownRepo = (await client.callTool({ name: 'search_code', arguments: { query: 'x', repo: '/nonexistent/repo' } })) as CallToolResult;
  t.equal(unknownRepo.isError, true);
  t.match(text(unknownRepo), /contextd add/, 'says how to add it');
  const noArgs = (await client.callTool({ name: 'get_code', arguments: { repo } })) as CallToolResult;
  t.equal(noArgs.isError, true);

  const wide = { query: 'ledger entries', repo, limit: 20 };
  const full = (await client.callTool({ name: 'search_code', arguments: { ...wide, max_tokens: 50_000 } })) as CallToolResult;
  t.ok(text(full).length > 1200, `the untrimmed answer is over 300 tokens (${text(full).length} chars)`);
  const budget = (await client.callTool({ name: 'search_code', arguments: { ...wide, max_tokens: 200 } })) as CallToolResult;
  t.match(text(budget), /shortened to fit the 200-token budget/, 'budget trims and says so');
  t.ok(text(budget).length < text(full).length, 'and the answer is shorter');
  // What did not fit is paged, never dropped: following next_cursor yields every hit, in order.
  type Page = { hits: { path: string; startLine: number }[]; next_cursor: string | null };
  const fullHits = (full.structuredContent as Page).hits.map((h) => `${h.path}:${h.startLine}`);
  const paged: string[] = [];
  let page = budget.structuredContent as Page;
  t.ok(page.next_cursor, 'a page cut by the budget has a next_cursor');
  t.match(text(budget), /did not fit the 200-token budget: call again with cursor/);
  for (let n = 0; ; n++) {
    paged.push(...page.hits.map((h) => `${h.path}:${h.startLine}`));
    if (!page.next_cursor || n > 30) break;
    const next = (await client.callTool({ name: 'search_code', arguments: { ...wide, max_tokens: 200, cursor: page.next_cursor } })) as CallToolResult;
    t.notOk(next.isError, text(next));
    page = next.structuredContent as Page;
  }
  t.same(paged, fullHits, 'the pages hold every hit of the full answer, in order');
  const foreign = (await client.callTool({
    name: 'search_code',
    arguments: { query: 'other words', repo, cursor: (budget.structuredContent as Page).next_cursor! },
  })) as CallToolResult;
  t.equal(foreign.isError, true, 'a cursor is bound to its arguments');

  const status = (await client.callTool({ name: 'index_status', arguments: {} })) as CallToolResult;
  t.match(text(status), new RegExp(`${repo.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: up to date`));
  const re = (await client.callTool({ name: 'reindex', arguments: { repo, paths: ['src/config_loader.py'] } })) as CallToolResult;
  t.match(text(re), /queued 1 path/);

  // Garbage on the socket gets a JSON-RPC error; the daemon keeps serving.
  const garbage = await new Promise<string>((resolve) => {
    const s = connect(mcpSock);
    let out = '';
    s.on('data', (d) => {
      out += d;
      if (out.includes('\n')) s.destroy();
    });
    s.on('close', () => resolve(out));
    s.write('this is not json\n');
    setTimeout(() => s.destroy(), 3000);
  });
  t.match(garbage, /"error"/, 'garbage answered with an error');

  // A client that disconnects mid-call does not hurt anyone.
  const quitter = new Client({ name: 'quitter', version: '1' });
  const qt = new UnixSocketClientTransport(mcpSock);
  await quitter.connect(qt);
  void quitter.callTool({ name: 'search_code', arguments: { query: 'config loader', repo } }).catch(() => {});
  await qt.close();

  // 20 concurrent clients.
  const results = await Promise.all(
    Array.from({ length: 20 }, async (_, i) => {
      const c = new Client({ name: `c${i}`, version: '1' });
      await c.connect(new UnixSocketClientTransport(mcpSock));
      const r = (await c.callTool({ name: 'search_code', arguments: { query: i % 2 ? 'parseJsonConfig' : 'ConfigLoader', repo } })) as CallToolResult;
      await c.close();
      return text(r);
    }),
  );
  t.equal(results.filter((r) => /configLoader\.ts|config_loader\.py/.test(r)).length, 20, 'all 20 concurrent clients answered');

  // `contextd mcp` exactly as Claude Code runs it: a child process on stdio, in the project directory.
  const bridged = new Client({ name: 'claude-code-like', version: '1' });
  await bridged.connect(
    new StdioClientTransport({ command: process.execPath, args: [CLI, 'mcp'], cwd: join(repo, 'src'), env: env as Record<string, string>, stderr: 'pipe' }),
  );
  const viaBridge = (await bridged.callTool({ name: 'search_code', arguments: { query: 'parseJsonConfig' } })) as CallToolResult;
  t.match(text(viaBridge), /^src\/configLoader\.ts:1-5/m, 'the bridge defaults to the repository of its working directory');
  const relative = (await bridged.callTool({ name: 'get_code', arguments: { path: 'cmd/server/main.go' } })) as CallToolResult;
  t.match(text(relative), /package main/, 'relative paths resolve in the working directory repository');
  await bridged.close();

  const st = await daemon.call<DaemonStatus>('status');
  t.ok(st.audit.calls >= 30, `audit counted calls (${st.audit.calls})`);
  t.ok(st.audit.byTool.search_code.calls >= 23, 'per-tool counts');
  t.ok(st.audit.errors >= 8, 'errors counted');
  const pool = st.backends.find((b) => b.name === 'search');
  t.match(pool?.detail, /^2\/2 worker\(s\) ready, \d+ searches answered$/, 'status shows the search workers');
  t.ok(Number(/(\d+) searches/.exec(pool?.detail ?? '')?.[1]) >= 5, `and that they answered the searches (${pool?.detail})`);
  fixtureGit(repo, ['status', '--short']);

  // The audit file holds one JSON line per call, written by the time the daemon has stopped.
  t.equal(await daemon.stop(), 0);
  const auditFile = join(env.XDG_DATA_HOME!, 'contextd', 'logs', 'mcp-audit.jsonl');
  t.equal(statSync(auditFile).mode & 0o777, 0o600, 'audit log is owner-only');
  const lines = readFileSync(auditFile, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { tool: string; durationMs: number; error: string | null });
  t.equal(lines.length, st.audit.calls, 'one line per call');
  t.equal(lines.filter((l) => l.tool === 'search_code').length, st.audit.byTool.search_code.calls);
  t.equal(lines.filter((l) => l.error).length, st.audit.errors);
});

t.test('history tools: code_history, recent_changes, related_files', async (t) => {
  const { env, repo } = await daemonWithRepo(t, 'history');
  const client = new Client({ name: 'history-test', version: '1' });
  await client.connect(new UnixSocketClientTransport(join(env.XDG_RUNTIME_DIR!, 'contextd', 'mcp.sock')));
  t.teardown(() => client.close());

  const hist = (await client.callTool({ name: 'code_history', arguments: { path: 'src/cache.py', symbol: 'Cache.invalidate', repo } })) as CallToolResult;
  t.notOk(hist.isError, text(hist));
  t.match(text(hist), /src\/cache\.py:\d+-\d+ {2}Cache\.invalidate/);
  t.match(text(hist), /fix race in cache invalidation/, 'the commit that shaped the method');
  const histData = hist.structuredContent as { commits: { subject: string; lines: number }[] };
  t.ok(histData.commits.some((c) => c.subject === 'Stop the thundering herd when entries expire' && c.lines > 0));

  const changes = (await client.callTool({ name: 'recent_changes', arguments: { since: '2023-01-01', repo } })) as CallToolResult;
  t.notOk(changes.isError, text(changes));
  t.match(text(changes), /src\/cache\.py \[/);
  t.match(text(changes), /Mark evicted rows in the store/);
  const onlyStore = (await client.callTool({ name: 'recent_changes', arguments: { since: '2023-01-01', paths: ['src/store.py'], repo } })) as CallToolResult;
  t.same(
    (onlyStore.structuredContent as { files: { path: string }[] }).files.map((f) => f.path),
    ['src/store.py'],
    'paths filter',
  );

  const related = (await client.callTool({ name: 'related_files', arguments: { path: 'src/store.py', repo } })) as CallToolResult;
  t.notOk(related.isError, text(related));
  const rel = related.structuredContent as { related: { path: string; count: number }[] };
  t.equal(rel.related[0]?.path, 'src/schema.py', 'the schema changes with the store');
  t.ok(rel.related[0].count >= 3);

  const escape = (await client.callTool({ name: 'code_history', arguments: { path: '../../etc/passwd', repo } })) as CallToolResult;
  t.equal(escape.isError, true, 'history paths are confined too');
});

t.test('a third-party client: the MCP Inspector CLI', async (t) => {
  const dir = tempDir(t);
  const { env } = isolatedEnv(join(dir, 'home'));
  const repo = join(dir, 'basic');
  await buildFixture('basic', repo);
  const daemon = await startDaemon(env);
  t.teardown(() => daemon.stop());
  await runJson(['add', repo, '--wait'], { env });
  const inspector = join(REPO_ROOT, 'node_modules', '.bin', 'mcp-inspector-cli');
  const envArgs = ['HOME', 'XDG_DATA_HOME', 'XDG_CONFIG_HOME', 'XDG_RUNTIME_DIR'].flatMap((k) => ['-e', `${k}=${env[k]}`]);
  const run = (args: string[]) =>
    new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
      // The inspector CLI (0.17.2) looks for its own package.json as `../package.json` relative to its cwd;
      // from tests/ that path exists (it is ours), and the import then resolves next to the inspector.
      const child = spawn(inspector, ['--cli', ...envArgs, process.execPath, CLI, 'mcp', ...args], { env, cwd: join(REPO_ROOT, 'tests') });
      let out = '';
      let err = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (err += d));
      child.on('close', (code) => resolve({ code, out, err }));
    });
  const list = await run(['--method', 'tools/list']);
  t.equal(list.code, 0, list.err);
  const listed = JSON.parse(list.out) as { tools: { name: string }[] };
  t.same(listed.tools.map((x) => x.name).sort(), [...TOOLS].sort());
  const call = await run(['--method', 'tools/call', '--tool-name', 'find_symbol', '--tool-arg', 'name=ConfigLoader', `repo=${repo}`]);
  t.equal(call.code, 0, call.err);
  t.match(JSON.parse(call.out).content[0].text, /ConfigLoader \(class, exact\)/);
});
