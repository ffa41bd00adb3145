/**
 * `contextd lsp` as editors run it: a child process on stdio, driven by a
 * vscode-jsonrpc client. The first bridge starts the daemon; two editors work
 * at once; malformed input and unknown methods get JSON-RPC errors and the
 * session goes on; shutdown/exit end the bridge cleanly.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import t from 'tap';
import { callDaemon } from '../daemon/server/rpc-client.js';
import type { DaemonStatus } from '../daemon/server/status.js';
import { buildFixture } from '../fixtures/repos.js';
import { CLI, isolatedEnv, tempDir } from './helpers/cli.js';
import { eventually } from './helpers/daemon.js';
import { dialLsp, spawnLsp, uri, type LspClient } from './helpers/lsp-client.js';

interface SymbolInformation {
  name: string;
  kind: number;
  containerName?: string;
  location: { uri: string; range: { start: { line: number; character: number }; end: { line: number; character: number } } };
}

function frame(body: string): Buffer {
  const b = Buffer.from(body, 'utf8');
  return Buffer.concat([Buffer.from(`Content-Length: ${b.length}\r\n\r\n`), b]);
}

/** Reads LSP frames from a raw byte stream. */
function frames(onMessage: (m: { id?: unknown; result?: unknown; error?: { code: number; message: string }; method?: string }) => void) {
  let buf = Buffer.alloc(0);
  return (chunk: Buffer) => {
    buf = Buffer.concat([buf, chunk]);
    for (;;) {
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const len = Number(/Content-Length: (\d+)/i.exec(buf.subarray(0, end).toString())?.[1]);
      if (buf.length < end + 4 + len) return;
      onMessage(JSON.parse(buf.subarray(end + 4, end + 4 + len).toString('utf8')));
      buf = buf.subarray(end + 4 + len);
    }
  };
}

t.test('contextd lsp: autostart, progress, symbols, search, hover, two editors, errors, exit', async (t) => {
  const dir = tempDir(t);
  const { env } = isolatedEnv(join(dir, 'home'));
  const basic = join(dir, 'basic');
  const history = join(dir, 'history');
  await Promise.all([buildFixture('basic', basic), buildFixture('history', history)]);
  const control = join(env.XDG_RUNTIME_DIR!, 'contextd', 'control.sock');
  t.teardown(async () => {
    const st = await callDaemon<DaemonStatus>(control, 'status', {}, 3000).catch(() => null);
    await callDaemon(control, 'stop', {}, 3000).catch(() => {});
    if (st) await eventually(async () => !alive(st.pid), 20_000);
  });

  // No daemon yet: the bridge starts one.
  const a = spawnLsp(env, basic);
  const clients: LspClient[] = [a];
  t.teardown(() => Promise.all(clients.map((c) => c.close())));
  const init = await a.initialize([basic]);
  t.equal(init.serverInfo?.name, 'contextd');
  t.match(init.capabilities, {
    workspaceSymbolProvider: true,
    hoverProvider: true,
    documentSymbolProvider: {},
    executeCommandProvider: { commands: ['contextd.search', 'contextd.locate'] },
  });

  // The workspace folder is registered and its first index reported with $/progress.
  const ended = await eventually(async () => a.progress.some((p) => p.value.kind === 'end'), 90_000, 100);
  t.ok(ended, `first index reported as finished (${JSON.stringify(a.progress.map((p) => p.value))}; stderr ${a.stderr()})`);
  t.ok(a.serverRequests.includes('window/workDoneProgress/create'), 'the server created a progress token');
  t.match(a.progress[0]?.value, { kind: 'begin', title: 'contextd: indexing basic' });
  const st = await callDaemon<DaemonStatus>(control, 'status');
  t.match(
    st.repos.find((r) => r.root === basic),
    { registered: true, upToDate: true },
    'registered by initialize',
  );
  t.match(st.paths.lspSocket, /\/contextd\/lsp\.sock$/, 'status names the LSP socket');
  // History runs in the same index pass; wait until it is in as well.
  await callDaemon(control, 'wait', { timeoutMs: 60_000 }, 65_000);

  const symbols = await a.conn.sendRequest<SymbolInformation[]>('workspace/symbol', { query: 'ConfigLoader' });
  t.same(symbols[0], {
    name: 'ConfigLoader',
    kind: 5,
    location: { uri: uri(join(basic, 'src/config_loader.py')), range: { start: { line: 3, character: 6 }, end: { line: 3, character: 18 } } },
  });
  const fuzzy = await a.conn.sendRequest<SymbolInformation[]>('workspace/symbol', { query: 'pjc' });
  t.same(
    fuzzy.map((s) => s.name),
    ['parseJsonConfig', 'parse_json_config'],
    'initials across languages',
  );
  const method = await a.conn.sendRequest<SymbolInformation[]>('workspace/symbol', { query: 'load' });
  t.match(method[0], { name: 'load', kind: 6, containerName: 'ConfigLoader' });

  const cmd = await a.conn.sendRequest<{ uri: string; range: { start: { line: number } }; symbol: string; path: string }[]>('workspace/executeCommand', {
    command: 'contextd.search',
    arguments: ['json config', { limit: 3 }],
  });
  t.ok(cmd.length >= 2 && cmd.length <= 3, `executeCommand answered ${cmd.length} locations`);
  t.match(cmd[0], { uri: uri(join(basic, 'src/configLoader.ts')), range: { start: { line: 0 } }, symbol: 'parseJsonConfig', path: 'src/configLoader.ts' });
  const req = await a.conn.sendRequest<typeof cmd>('contextd/search', { query: 'json config', limit: 3 });
  // Background work (embeddings) may still move scores between the two calls: compare what a user sees first.
  t.equal(req.length, cmd.length, 'the custom request answers as many locations');
  t.match(req[0], { uri: cmd[0].uri, symbol: cmd[0].symbol, range: cmd[0].range }, 'with the same best hit');

  const file = uri(join(basic, 'src/config_loader.py'));
  const hover = await a.conn.sendRequest<{ contents: { kind: string; value: string } }>('textDocument/hover', {
    textDocument: { uri: file },
    position: { line: 10, character: 8 },
  });
  t.equal(hover.contents.kind, 'markdown');
  t.match(hover.contents.value, /^Last changed by \*\*Ada Lovelace\*\*, 2024-01-10 .*`[0-9a-f]{8}`: Initial project layout/);
  t.match(hover.contents.value, /`ConfigLoader.load` \(method\): shaped by 1 commit from 1 author \(Ada Lovelace\)/);
  const ts = await a.conn.sendRequest<{ contents: { value: string } }>('textDocument/hover', {
    textDocument: { uri: uri(join(basic, 'src/configLoader.ts')) },
    position: { line: 2, character: 4 },
  });
  t.match(ts.contents.value, /Grace Hopper.*Reject non-object JSON configs/);

  const docSymbols = await a.conn.sendRequest<{ name: string; children?: { name: string }[] }[]>('textDocument/documentSymbol', {
    textDocument: { uri: file },
  });
  t.same(
    docSymbols.map((s) => [s.name, (s.children ?? []).map((c) => c.name)]),
    [
      ['ConfigLoader', ['__init__', 'load']],
      ['parse_json_config', []],
    ],
  );

  // Unknown methods: MethodNotFound, and the session goes on.
  const unknown = await a.conn.sendRequest('contextd/nope', {}).then(
    () => null,
    (e: { code: number }) => e.code,
  );
  t.equal(unknown, -32601);

  // A second editor at once, on another repository: each session sees its own workspace.
  const b = spawnLsp(env, history);
  clients.push(b);
  await b.initialize([history]);
  await eventually(async () => b.progress.some((p) => p.value.kind === 'end'), 90_000, 100);
  await callDaemon(control, 'wait', { timeoutMs: 60_000 }, 65_000);
  const [fromA, fromB] = await Promise.all([
    a.conn.sendRequest<SymbolInformation[]>('workspace/symbol', { query: 'c' }),
    b.conn.sendRequest<SymbolInformation[]>('workspace/symbol', { query: 'c' }),
  ]);
  t.ok(fromA.length > 0 && fromA.every((s) => s.location.uri.startsWith(uri(basic) + '/')), 'editor A: only its repository');
  t.ok(fromB.length > 0 && fromB.every((s) => s.location.uri.startsWith(uri(history) + '/')), 'editor B: only its repository');
  const bHover = await b.conn.sendRequest<{ contents: { value: string } }>('textDocument/hover', {
    textDocument: { uri: uri(join(history, 'src/cache.py')) },
    position: { line: 20, character: 8 },
  });
  t.match(bHover.contents.value, /Bob Okafor.*fix race in cache invalidation/);
  t.match(bHover.contents.value, /shaped by 3 commits from 3 authors/);
  const parallel = await Promise.all(
    Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).conn.sendRequest<SymbolInformation[]>('workspace/symbol', { query: i % 2 ? 'parse' : 'invalidate' })),
  );
  t.ok(
    parallel.every((r) => r.length > 0),
    'interleaved requests from both editors are all answered',
  );

  // An editor may dial lsp.sock directly instead of running the bridge.
  const direct = await dialLsp(st.paths.lspSocket);
  clients.push(direct);
  await direct.initialize([basic]);
  t.equal(
    (await direct.conn.sendRequest<SymbolInformation[]>('workspace/symbol', { query: 'ConfigLoader' }))[0]?.name,
    'ConfigLoader',
    'lsp.sock serves without the bridge',
  );

  // Shutdown and exit end the bridge with status 0; the daemon keeps serving the other editor.
  await a.close();
  t.equal(await a.exited, 0, 'bridge A exits 0 after shutdown/exit');
  t.ok((await b.conn.sendRequest<SymbolInformation[]>('workspace/symbol', { query: 'Cache' })).length > 0, 'editor B is still served');
});

t.test('malformed JSON-RPC through the bridge gets errors; the session survives', async (t) => {
  const dir = tempDir(t);
  const { env } = isolatedEnv(join(dir, 'home'));
  const repo = join(dir, 'basic');
  await buildFixture('basic', repo);
  const control = join(env.XDG_RUNTIME_DIR!, 'contextd', 'control.sock');
  t.teardown(async () => {
    const st = await callDaemon<DaemonStatus>(control, 'status', {}, 3000).catch(() => null);
    await callDaemon(control, 'stop', {}, 3000).catch(() => {});
    if (st) await eventually(async () => !alive(st.pid), 20_000);
  });
  const child = spawn(process.execPath, [CLI, 'lsp'], { env, cwd: repo, stdio: ['pipe', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  const got: { id?: unknown; result?: unknown; error?: { code: number; message: string }; method?: string }[] = [];
  child.stdout.on(
    'data',
    frames((m) => got.push(m)),
  );
  const waitFor = (pred: (m: (typeof got)[number]) => boolean) => eventually(async () => got.find(pred), 60_000, 20);

  child.stdin.write(frame(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'workspace/symbol', params: { query: 'x' } })));
  t.match(await waitFor((m) => m.id === 1), { error: { code: -32002 } }, 'a request before initialize: ServerNotInitialized');
  child.stdin.write(frame(JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'initialize', params: { processId: null, rootUri: uri(repo), capabilities: {} } })));
  t.match(await waitFor((m) => m.id === 2), { result: { capabilities: { workspaceSymbolProvider: true } } });
  child.stdin.write(frame(JSON.stringify({ jsonrpc: '2.0', method: 'initialized', params: {} })));

  // initialize registered the repository: let its first index finish.
  t.ok(
    await eventually(async () => (await callDaemon<DaemonStatus>(control, 'status')).repos.some((r) => r.root === repo && r.upToDate), 60_000, 100),
    'indexed',
  );

  const before = got.length;
  child.stdin.write(frame('{"jsonrpc":"2.0","id":3,"method":"workspace/symbol","params":{"query":'));
  child.stdin.write(frame('[1,2,3]'));
  child.stdin.write(frame(JSON.stringify({ jsonrpc: '2.0', id: 4 })));
  child.stdin.write(frame(JSON.stringify({ jsonrpc: '2.0', id: 5, method: 'nope/unknown', params: {} })));
  child.stdin.write(
    frame(JSON.stringify({ jsonrpc: '2.0', id: 6, method: 'workspace/executeCommand', params: { command: 'contextd.search', arguments: [42] } })),
  );
  child.stdin.write(Buffer.from('Content-Length: abc\r\n\r\n'));
  child.stdin.write(frame(JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'contextd/search', params: { query: 'parseJsonConfig', limit: 1 } })));
  const answer = await waitFor((m) => m.id === 7);
  const errors = got.slice(before).filter((m) => m.error);
  const key = (e: [unknown, number]) => `${e[1]}:${e[0]}`;
  t.same(
    errors.map((m): [unknown, number] => [m.id ?? null, m.error!.code]).sort((x, y) => (key(x) < key(y) ? -1 : 1)),
    [
      [5, -32601],
      [6, -32602],
      [4, -32600],
      [null, -32600],
      [null, -32700],
      [null, -32700],
    ].sort((x, y) => (key(x as [unknown, number]) < key(y as [unknown, number]) ? -1 : 1)),
    'parse error, batch, response-less message, unknown method, bad arguments, bad header: each answered',
  );
  t.match(answer, { result: [{ path: 'src/configLoader.ts', symbol: 'parseJsonConfig' }] }, 'and the session still answers');

  child.stdin.write(frame(JSON.stringify({ jsonrpc: '2.0', id: 8, method: 'shutdown' })));
  t.match(await waitFor((m) => m.id === 8), { result: null });
  child.stdin.write(frame(JSON.stringify({ jsonrpc: '2.0', method: 'exit' })));
  t.equal(await exited, 0, 'exit after shutdown: status 0');
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
