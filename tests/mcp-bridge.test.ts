/**
 * The `contextd mcp` bridge always finds its daemon and never leaves a client in
 * silence: socket discovery without the caller's environment, the real reason when a
 * daemon cannot start, an error for a call the daemon died on (and exit 1), a session
 * that survives a daemon restart, unregistered repositories and unknown arguments
 * refused as tool errors. Real daemon, real bridge process, the real SDK client.
 */
import t from 'tap';
import { chownSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ListRootsRequestSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { buildFixture } from '../fixtures/repos.js';
import { resolvePaths, runtimeDir } from '../daemon/config/paths.js';
import { spawn } from 'node:child_process';
import { CLI, REPO_ROOT, isolatedEnv, runCli, runJson, tempDir } from './helpers/cli.js';
import { startDaemon, type DaemonProcess } from './helpers/daemon.js';
import { ChildProcessTransport } from './helpers/child-transport.js';

const text = (r: unknown) => (r as CallToolResult).content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');

/** A daemon's environment with XDG defaults under HOME (what most users have), and its runtime dir. */
function daemonEnv(home: string): NodeJS.ProcessEnv {
  const env = isolatedEnv(home).env;
  delete env.XDG_DATA_HOME;
  delete env.XDG_CONFIG_HOME;
  return env;
}

/** A daemon in daemonEnv with the basic fixture added and indexed (stopped at teardown). */
async function basicDaemon(t: Tap): Promise<{ dir: string; env: NodeJS.ProcessEnv; repo: string; daemon: DaemonProcess }> {
  const dir = tempDir(t);
  const env = daemonEnv(join(dir, 'home'));
  const repo = join(dir, 'basic');
  await buildFixture('basic', repo);
  const daemon = await startDaemon(env);
  t.teardown(() => daemon.stop());
  await runJson(['add', repo, '--wait'], { env });
  return { dir, env, repo, daemon };
}

/** What the MCP SDK's StdioClientTransport passes by default (getDefaultEnvironment): no XDG variables at all. */
function cleanedEnv(env: NodeJS.ProcessEnv, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { HOME: env.HOME, PATH: process.env.PATH, ...extra };
}

async function bridgeClient(t: Tap, env: NodeJS.ProcessEnv, cwd: string, opts: { roots?: boolean } = {}) {
  const transport = new ChildProcessTransport(process.execPath, [CLI, 'mcp'], { cwd, env });
  const client = new Client({ name: 'bridge-test', version: '1' }, { capabilities: opts.roots ? { roots: {} } : {} });
  return { client, transport, connect: () => client.connect(transport) };
}
type Tap = Parameters<Parameters<typeof t.test>[0]>[0];

t.test('the runtime dir comes from the uid when XDG_RUNTIME_DIR is missing', async (t) => {
  const dir = tempDir(t);
  const uid = process.getuid!();
  const mine = join(dir, 'run-user', String(uid));
  mkdirSync(mine, { recursive: true, mode: 0o700 });
  const probe = { runtimeRoot: join(dir, 'run-user') };
  t.equal(runtimeDir({}, probe), mine, '/run/user/UID of our own');
  t.equal(
    resolvePaths({ HOME: '/h' }, probe).socketDir,
    resolvePaths({ HOME: '/h', XDG_RUNTIME_DIR: mine }, probe).socketDir,
    'the same socket dir as a login shell',
  );
  t.equal(runtimeDir({ XDG_RUNTIME_DIR: '/elsewhere' }, probe), '/elsewhere', 'the variable wins');
  const theirs = join(dir, 'run-other', String(uid));
  mkdirSync(theirs, { recursive: true });
  if (uid === 0) {
    chownSync(theirs, 4242, 4242);
    t.equal(runtimeDir({}, { runtimeRoot: join(dir, 'run-other') }), null, 'a directory of another user is not ours');
  }
  t.equal(runtimeDir({}, { runtimeRoot: join(dir, 'nothing') }), null, 'none: the fallback under HOME');
  t.equal(resolvePaths({ HOME: '/h' }, { runtimeRoot: join(dir, 'nothing') }).socketDir, '/h/.cache/contextd/run');
});

t.test('a bridge with a cleaned environment reaches the daemon another shell started', async (t) => {
  const { dir, env, repo, daemon } = await basicDaemon(t);

  const clean = cleanedEnv(env, { CONTEXTD_NO_AUTOSTART: '1' });
  const status = await runCli(['status', '--json'], { env: clean });
  t.equal(status.code, 0, status.stderr);
  t.equal((JSON.parse(status.stdout) as { pid: number }).pid, daemon.child.pid, '`status` in the cleaned environment sees the same daemon');

  const { client, transport, connect } = await bridgeClient(t, clean, repo);
  await connect();
  const r = await client.callTool({ name: 'search_code', arguments: { query: 'parseJsonConfig' } });
  t.notOk((r as CallToolResult).isError, text(r));
  t.match(text(r), /src\/configLoader\.ts:1-5/, 'answered by the daemon started elsewhere');

  // Unknown arguments are refused, as a tool error naming them.
  const extra = (await client.callTool({ name: 'search_code', arguments: { query: 'x', bogus_flag: true } })) as CallToolResult;
  t.equal(extra.isError, true, 'an argument the schema does not allow is an error');
  t.match(text(extra), /bogus_flag/);
  await client.close();
  t.equal(await transport.exited, 0, 'the client closing stdin ends the bridge normally');

  // A second daemon on the same data dir names the one that runs, with its sockets.
  const second = await runCli(['daemon'], { env: { ...clean, CONTEXTD_SOCKET_DIR: join(dir, 'other-run') } });
  t.not(second.code, 0);
  t.match(second.stderr, new RegExp(`another contextd daemon \\(pid ${daemon.child.pid}\\) already uses`), 'the lock error names the running daemon');
  // A bridge told to look elsewhere starts a daemon, which cannot take the lock: it says so instead of "did not come up".
  const lost = await runCli(['mcp'], { env: { ...cleanedEnv(env), CONTEXTD_SOCKET_DIR: join(dir, 'other-run') } });
  t.not(lost.code, 0);
  t.match(lost.stderr, new RegExp(`another contextd daemon \\(pid ${daemon.child.pid}\\) already uses .*sockets in`));
  t.notMatch(lost.stderr, /did not come up/);
  const noStart = await runCli(['mcp'], { env: { ...clean, CONTEXTD_SOCKET_DIR: join(dir, 'other-run') } });
  t.match(noStart.stderr, new RegExp(`another contextd daemon \\(pid ${daemon.child.pid}\\)`), 'without autostart too');
});

t.test('an unregistered repository is an error that says how to add it', async (t) => {
  const dir = tempDir(t);
  const env = daemonEnv(join(dir, 'home'));
  const repo = join(dir, 'basic');
  const stranger = join(dir, 'stranger');
  await buildFixture('basic', repo);
  await buildFixture('history', stranger);
  const daemon = await startDaemon(env);
  t.teardown(() => daemon.stop());
  await runJson(['add', repo, '--wait'], { env });
  const { client, connect } = await bridgeClient(t, env, stranger);
  await connect();
  t.teardown(() => client.close());
  const r = (await client.callTool({ name: 'search_code', arguments: { query: 'parseJsonConfig' } })) as CallToolResult;
  t.equal(r.isError, true, 'no answer from the other repository');
  t.match(text(r), /not in a registered repository/);
  t.match(text(r), new RegExp(`contextd add "${stranger}"`));
  const named = (await client.callTool({ name: 'search_code', arguments: { query: 'parseJsonConfig', repo } })) as CallToolResult;
  t.notOk(named.isError, 'naming a registered repository still works from there');
});

t.test('the daemon dying mid-call: the call fails, the bridge exits 1; a restarted daemon continues the session', async (t) => {
  const started = await basicDaemon(t);
  const { env, repo } = started;
  let daemon = started.daemon;
  t.teardown(() => daemon.stop()); // the restarted one

  // The daemon asks the client for its roots while resolving the repository: the client
  // kills the daemon right then, so the call is certainly in flight when it dies.
  const dying = await bridgeClient(t, { ...env, CONTEXTD_BRIDGE_RECONNECT_MS: '300' }, repo, { roots: true });
  dying.client.setRequestHandler(ListRootsRequestSchema, async () => {
    daemon.child.kill('SIGKILL');
    await daemon.exited;
    return { roots: [] };
  });
  await dying.connect();
  const failed = await dying.client.callTool({ name: 'search_code', arguments: { query: 'parseJsonConfig' } }).then(
    () => 'answered',
    (err: Error) => err.message,
  );
  t.match(failed, /daemon stopped before answering/, 'the pending call gets an error, not silence');
  t.equal(await dying.transport.exited, 1, 'and the bridge exits 1 when no daemon comes back');
  t.match(dying.transport.stderr, /did not come back/);

  // A daemon that comes back (a restart, socket activation): the session goes on.
  daemon = await startDaemon(env);
  const lasting = await bridgeClient(t, { ...env, CONTEXTD_BRIDGE_RECONNECT_MS: '120000' }, repo);
  await lasting.connect();
  t.notOk(((await lasting.client.callTool({ name: 'find_symbol', arguments: { name: 'ConfigLoader' } })) as CallToolResult).isError);
  t.equal(await daemon.stop(), 0);
  daemon = await startDaemon(env);
  const again = (await lasting.client.callTool({ name: 'find_symbol', arguments: { name: 'ConfigLoader' } })) as CallToolResult;
  t.notOk(again.isError, text(again));
  t.match(text(again), /ConfigLoader \(class, exact\)/, 'answered by the new daemon on the same session');
  await lasting.client.close();
  t.equal(await lasting.transport.exited, 0);
});

t.test('the MCP Inspector CLI (which cleans the environment) reaches a daemon started elsewhere and shows titles and annotations', async (t) => {
  const { env, repo } = await basicDaemon(t);
  const inspector = join(REPO_ROOT, 'node_modules', '.bin', 'mcp-inspector-cli');
  const run = (args: string[]) =>
    new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
      // No -e flags: the server gets the Inspector's default environment (no XDG_RUNTIME_DIR). cwd: see tests/mcp.test.ts.
      const child = spawn(inspector, ['--cli', process.execPath, CLI, 'mcp', ...args], {
        env: { ...env, CONTEXTD_NO_AUTOSTART: '1' },
        cwd: join(REPO_ROOT, 'tests'),
      });
      let out = '';
      let err = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (err += d));
      child.on('close', (code) => resolve({ code, out, err }));
    });
  const list = await run(['--method', 'tools/list']);
  t.equal(list.code, 0, list.err);
  const tools = (JSON.parse(list.out) as { tools: { name: string; title?: string; annotations?: { readOnlyHint?: boolean } }[] }).tools;
  t.ok(tools.length >= 13);
  t.ok(
    tools.every((x) => x.title && x.annotations && typeof x.annotations.readOnlyHint === 'boolean'),
    'every tool shows a title and annotations',
  );
  const call = await run(['--method', 'tools/call', '--tool-name', 'find_symbol', '--tool-arg', 'name=ConfigLoader', `repo=${repo}`]);
  t.equal(call.code, 0, call.err);
  t.match(JSON.parse(call.out).content[0].text, /ConfigLoader \(class, exact\)/, 'answered by the daemon of the other shell');
});

t.test('contextd lsp: a request the daemon died on gets an error, and the bridge exits 1', async (t) => {
  const dir = tempDir(t);
  const env = daemonEnv(join(dir, 'home'));
  const daemon = await startDaemon(env);
  t.teardown(() => daemon.stop());
  const child = spawn(process.execPath, [CLI, 'lsp'], { env: { ...env, CONTEXTD_BRIDGE_TRACE: '1' }, stdio: ['pipe', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let err = '';
  let out = '';
  const waiters: (() => void)[] = [];
  child.stderr.on('data', (d) => {
    err += d;
    waiters.splice(0).forEach((w) => w());
  });
  child.stdout.on('data', (d) => {
    out += d;
    waiters.splice(0).forEach((w) => w());
  });
  const until = async (ok: () => boolean) => {
    while (!ok()) await new Promise<void>((r) => waiters.push(r));
  };
  const send = (msg: object) => {
    const body = JSON.stringify({ jsonrpc: '2.0', ...msg });
    child.stdin.write(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  };
  send({ id: 1, method: 'initialize', params: { processId: null, rootUri: null, capabilities: {} } });
  await until(() => /"id":1/.test(out)); // the session is up
  // Frozen, the daemon cannot answer: the bridge has the request in flight when the daemon dies.
  daemon.child.kill('SIGSTOP');
  send({ id: 2, method: 'workspace/symbol', params: { query: 'x' } });
  await until(() => err.includes('-> workspace/symbol 2'));
  daemon.child.kill('SIGKILL');
  t.equal(await exited, 1, 'a dead daemon is an error for the editor, not a clean exit');
  t.match(out, /"id":2,"error":\{"code":-32803,"message":"the contextd daemon stopped before answering/, 'the pending request is answered with an error');
  t.match(err, /daemon stopped/);
  child.stdin.destroy();
});
