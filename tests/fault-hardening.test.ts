/**
 * The attacks of the hardening issue, kept as tests against a real daemon:
 * socket floods, secrets in commit messages, LSP reads outside the repositories,
 * hard links, `repo: "/"`, malformed `initialize`, file modes in a 0755 data
 * directory, a deleted, a corrupt database, a lock file naming a stranger's pid,
 * and `status` while a daemon stops.
 */
import t from 'tap';
import Database from 'better-sqlite3';
import { connect, type Socket } from 'node:net';
import { closeSync, existsSync, linkSync, mkdirSync, openSync, readFileSync, statSync, symlinkSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { processState } from '../daemon/server/lock.js';
import { buildRepo } from '../fixtures/repo-builder.js';
import { FAKE_AWS_KEY_ID, FAKE_GITHUB_TOKEN, leakySpec } from '../fixtures/repos.js';
import { isolatedEnv, runCli, runJson, tempDir } from './helpers/cli.js';
import { startDaemon, eventually, type DaemonProcess } from './helpers/daemon.js';
import { dialLsp, uri } from './helpers/lsp-client.js';
import { UnixSocketClientTransport } from './helpers/mcp-socket-transport.js';

const text = (r: unknown) => (r as CallToolResult).content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
const leaks = (s: string) => s.includes(FAKE_GITHUB_TOKEN) || s.includes(FAKE_AWS_KEY_ID);

/** Writes `bytes` of `fill` to a socket as fast as it takes them; resolves with whether the server closed it first. */
function flood(path: string, bytes: number, fill = ' '): Promise<{ closedByServer: boolean; sent: number }> {
  return new Promise((resolve) => {
    const sock: Socket = connect(path);
    const chunk = Buffer.alloc(64 * 1024, fill);
    let sent = 0;
    let ended = false;
    const finish = (closedByServer: boolean) => {
      if (ended) return;
      ended = true;
      sock.destroy();
      resolve({ closedByServer, sent });
    };
    sock.on('error', () => finish(true));
    sock.on('close', () => finish(true));
    sock.on('data', () => {});
    const pump = () => {
      while (sent < bytes) {
        sent += chunk.length;
        if (!sock.write(chunk)) return void sock.once('drain', pump);
      }
      // Everything written: give the server a moment to drop us, else it kept the connection.
      setTimeout(() => finish(false), 3000);
    };
    sock.on('connect', pump);
  });
}

async function daemonOnLeakyRepo(t: Tap.Test, opts: { preCreateDataDir?: boolean } = {}) {
  const dir = tempDir(t);
  const { env } = isolatedEnv(join(dir, 'home'));
  const dataDir = join(dir, 'home', 'data', 'contextd');
  if (opts.preCreateDataDir) mkdirSync(dataDir, { recursive: true, mode: 0o755 });
  const repo = join(dir, 'leaky');
  await buildRepo(repo, leakySpec());
  // Outside every repository: a sibling directory, reached by a symlink and a hard link from inside.
  const outside = join(dir, 'outside');
  mkdirSync(outside);
  writeFileSync(join(outside, 'private.ts'), 'export function privateThing() {\n  return 42;\n}\n');
  writeFileSync(join(outside, 'linked.ts'), 'export function linkedThing() {\n  return 7;\n}\n');
  symlinkSync(join(outside, 'private.ts'), join(repo, 'src', 'escape.ts'));
  linkSync(join(outside, 'linked.ts'), join(repo, 'src', 'hardlink.ts'));
  const daemon = await startDaemon(env);
  t.teardown(() => daemon.stop());
  await runJson(['add', repo, '--wait'], { env });
  return { dir, env, repo, outside, dataDir, daemon };
}

t.test('floods of whitespace and garbage on every socket are cut off; status keeps answering', async (t) => {
  const { env, daemon } = await daemonOnLeakyRepo(t);
  const sockDir = join(env.XDG_RUNTIME_DIR!, 'contextd');
  for (const name of ['control.sock', 'mcp.sock', 'lsp.sock']) {
    for (const fill of [' ', '\n', '\r\n\r\n', 'x\n']) {
      let answered = 0;
      let flooding = true;
      const statusLoop = (async () => {
        while (flooding) {
          await daemon.call('status', {}, 10_000);
          answered++;
        }
      })();
      const res = await flood(join(sockDir, name), 8 * 1024 * 1024, fill);
      flooding = false;
      await statusLoop;
      t.ok(res.closedByServer, `${name}: 8 MB of ${JSON.stringify(fill)} drops the connection`);
      t.ok(answered > 0, `${name}: status answered during the flood`);
    }
  }
  t.equal(daemon.child.exitCode, null, 'the daemon still runs');
});

t.test('secrets in commit messages are found by no front end and are not in the database file', async (t) => {
  const { env, repo, dataDir, daemon } = await daemonOnLeakyRepo(t);
  const client = new Client({ name: 'hardening', version: '1.0.0' });
  await client.connect(new UnixSocketClientTransport(join(env.XDG_RUNTIME_DIR!, 'contextd', 'mcp.sock')));
  t.teardown(() => client.close());
  const calls: [string, Record<string, unknown>][] = [
    ['search_code', { query: 'deploy client token', repo }],
    ['search_code', { query: FAKE_GITHUB_TOKEN.slice(4), repo }],
    ['recent_changes', { repo }],
    ['code_history', { path: 'src/deploy.ts', repo }],
  ];
  for (const [name, args] of calls) {
    const out = text(await client.callTool({ name, arguments: args }));
    t.notOk(leaks(out), `${name} ${JSON.stringify(args)} shows no secret`);
  }
  const history = text(await client.callTool({ name: 'code_history', arguments: { path: 'src/deploy.ts', repo } }));
  t.match(history, /Add the deploy client \(key \[redacted: AWS access key id\]\)/, 'the rest of the message is kept');

  const cli = await runCli(['history', join(repo, 'src/deploy.ts'), '--json'], { env, cwd: repo });
  t.equal(cli.code, 0);
  t.notOk(leaks(cli.stdout), 'CLI history shows no secret');

  const lsp = await dialLsp(join(env.XDG_RUNTIME_DIR!, 'contextd', 'lsp.sock'));
  t.teardown(() => lsp.close());
  await lsp.initialize([repo]);
  const hover = await lsp.conn.sendRequest<{ contents: { value: string } } | null>('textDocument/hover', {
    textDocument: { uri: uri(join(repo, 'src/deploy.ts')) },
    position: { line: 0, character: 18 },
  });
  t.ok(hover, 'hover answers');
  t.notOk(leaks(hover?.contents.value ?? ''), 'LSP hover shows no secret');
  await lsp.close();
  await client.close();

  t.equal(await daemon.stop(), 0);
  for (const f of ['index.db', 'index.db-wal']) {
    if (!existsSync(join(dataDir, f))) continue;
    const bytes = readFileSync(join(dataDir, f));
    t.equal(bytes.indexOf(FAKE_GITHUB_TOKEN), -1, `${f} does not hold the token`);
    t.equal(bytes.indexOf(FAKE_AWS_KEY_ID), -1, `${f} does not hold the key id`);
  }
});

t.test('LSP and MCP read nothing outside the repositories, no secret, no hard link', async (t) => {
  const { env, repo, outside } = await daemonOnLeakyRepo(t);
  const lsp = await dialLsp(join(env.XDG_RUNTIME_DIR!, 'contextd', 'lsp.sock'));
  t.teardown(() => lsp.close());
  await lsp.initialize([repo]);
  const symbols = (path: string) => lsp.conn.sendRequest<unknown[]>('textDocument/documentSymbol', { textDocument: { uri: uri(path) } });
  t.same(await symbols(join(outside, 'private.ts')), [], 'a sibling directory outside every repository');
  t.same(await symbols(join(repo, 'src', 'escape.ts')), [], 'a symlink out of the repository');
  t.same(await symbols(join(repo, 'src', 'hardlink.ts')), [], 'a hard link to a file outside');
  t.same(await symbols(join(repo, 'src', 'k3.ts')), [], 'a file holding a secret');
  const own = await symbols(join(repo, 'src', 'deploy.ts'));
  t.equal(own.length, 1, 'a file of the repository still answers');

  const client = new Client({ name: 'hardening', version: '1.0.0' });
  await client.connect(new UnixSocketClientTransport(join(env.XDG_RUNTIME_DIR!, 'contextd', 'mcp.sock')));
  t.teardown(() => client.close());
  const hard = (await client.callTool({ name: 'get_code', arguments: { path: 'src/hardlink.ts', repo } })) as CallToolResult;
  t.ok(hard.isError, 'get_code refuses a hard link');
  t.match(text(hard), /hard link/);
  const root = (await client.callTool({ name: 'search_code', arguments: { query: 'deploy', repo: '/' } })) as CallToolResult;
  t.ok(root.isError, 'repo "/" is refused');
  t.match(text(root), /not a registered repository/);

  // A file over 4 MiB: refused whole, served by line range.
  const big = Array.from({ length: 120_000 }, (_, i) => `line ${i + 1} ${'x'.repeat(30)}`).join('\n') + '\n';
  writeFileSync(join(repo, 'big.txt'), big);
  const whole = (await client.callTool({ name: 'get_code', arguments: { path: 'big.txt', repo } })) as CallToolResult;
  t.ok(whole.isError, 'a whole large file is refused');
  t.match(text(whole), /line range/);
  const range = (await client.callTool({ name: 'get_code', arguments: { path: 'big.txt', repo, start: 100_000, end: 100_002 } })) as CallToolResult;
  t.notOk(range.isError, 'an explicit range of a large file is served');
  t.match(text(range), /100001 {2}line 100001 x+/);

  // initialize with malformed workspaceFolders: invalid params, and the session goes on.
  const raw = await dialLsp(join(env.XDG_RUNTIME_DIR!, 'contextd', 'lsp.sock'));
  t.teardown(() => raw.close());
  const err = await raw.conn.sendRequest('initialize', { processId: null, rootUri: null, capabilities: {}, workspaceFolders: 'not-a-list' }).then(
    () => null,
    (e: { code: number }) => e,
  );
  t.match(err, { code: -32602 }, 'malformed workspaceFolders is invalid params');
});

t.test('database files are 0600 in a data directory created 0755', async (t) => {
  const { dataDir } = await daemonOnLeakyRepo(t, { preCreateDataDir: true });
  t.equal(statSync(dataDir).mode & 0o777, 0o755, 'the directory was left as the user made it');
  for (const f of ['index.db', 'index.db-wal', 'index.db-shm']) {
    const path = join(dataDir, f);
    if (!existsSync(path)) continue;
    t.equal(statSync(path).mode & 0o777, 0o600, `${f} is owner-only`);
  }
});

t.test('a database deleted under the running daemon is noticed, restored, and nothing is lost', async (t) => {
  const { env, repo, dataDir, daemon } = await daemonOnLeakyRepo(t);
  for (const f of ['index.db', 'index.db-wal', 'index.db-shm']) if (existsSync(join(dataDir, f))) unlinkSync(join(dataDir, f));
  const status = await eventually(async () => {
    const r = await runCli(['status', '--json'], { env });
    return r.code !== 0 ? r : null;
  });
  t.ok(status, 'status turns unhealthy');
  t.match(status?.stdout ?? '', /deleted while the daemon ran/);
  t.match(status?.stdout ?? '', /restart the daemon/);
  t.ok(existsSync(join(dataDir, 'index.db')), 'the database file is back at its path');
  const list = await runCli(['search', 'deploy', '--json'], { env, cwd: repo });
  t.not(list.stderr, /store-missing/, 'the CLI sees the restored file, not an empty new one');
  await daemon.stop();
  const again = await startDaemon(env);
  t.teardown(() => again.stop());
  const repos = await runJson<{ root: string; registered: boolean }[]>(['list', '--json'], { env });
  t.ok(
    repos.some((r) => r.root === repo && r.registered),
    'the registration survived the restart',
  );
});

/** Overwrites `pages` 4 KiB pages of a file from byte `at`, as a bad disk would. */
/** The last `n` pages holding tables or indexes (never the schema's own pages), 1-based. */
function contentPages(path: string, n: number): number[] {
  const db = new Database(path, { readonly: true });
  try {
    const rows = db.prepare("SELECT pageno FROM dbstat WHERE name <> 'sqlite_schema' ORDER BY pageno DESC LIMIT ?").all(n) as { pageno: number }[];
    return rows.map((r) => r.pageno);
  } finally {
    db.close();
  }
}

function scribble(path: string, at: number, pages: number): void {
  const fd = openSync(path, 'r+');
  const junk = Buffer.alloc(4096 * pages, 0x5a);
  writeSync(fd, junk, 0, junk.length, at);
  closeSync(fd);
}

t.test('a corrupt database makes status fail with the fix', async (t) => {
  const { env, dataDir, daemon } = await daemonOnLeakyRepo(t);
  await daemon.stop();
  const db = join(dataDir, 'index.db');
  // The last pages of table and index content (not the schema's, wherever a split put them):
  // the file opens, its pages are wrong.
  for (const page of contentPages(db, 3)) scribble(db, (page - 1) * 4096, 1);
  const again = await startDaemon(env);
  const r = await runCli(['status'], { env });
  t.not(r.code, 0, 'a running daemon on a corrupt database: status exits non-zero');
  t.match(r.stdout, /corrupt/);
  t.match(r.stdout, /mv /, 'with the fix');
  await again.stop();

  // The header page too: the daemon cannot start, and status says why.
  scribble(db, 0, 2);
  const failed = await runCli(['daemon'], { env, timeoutMs: 20_000 });
  t.not(failed.code, 0, 'the daemon refuses a database it cannot read');
  const down = await runCli(['status'], { env });
  t.equal(down.code, 3);
  t.match(down.stdout, /last start failed.*corrupt/);
  t.match(down.stdout, /fix: move it aside/);
});

t.test('the daemon lock is not fooled by a reused pid; status says stopping while a daemon stops', async (t) => {
  const dir = tempDir(t);
  const { env } = isolatedEnv(join(dir, 'home'));
  const dataDir = join(dir, 'home', 'data', 'contextd');
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  for (const lock of ['1', JSON.stringify({ pid: 1, start: '1' }), String(process.pid)]) {
    writeFileSync(join(dataDir, 'daemon.lock'), lock);
    const d: DaemonProcess = await startDaemon(env);
    t.pass(`a lock holding ${lock} (a live process that is no daemon) does not block start-up`);
    t.equal(await d.stop(), 0);
  }
  // A live daemon's lock (pid and start time match) with its sockets already closed: stopping.
  writeFileSync(join(dataDir, 'daemon.lock'), JSON.stringify({ pid: process.pid, start: processState(process.pid).start }));
  const r = await runCli(['status'], { env });
  t.equal(r.code, 3);
  t.match(r.stdout, /stopping/);
  const refused = await runCli(['daemon'], { env, timeoutMs: 20_000 });
  t.not(refused.code, 0, 'a second daemon is refused while the first holds the lock');
  t.match(refused.stderr, /already uses/);
});
