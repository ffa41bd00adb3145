/** LSP pieces without a daemon: line mapping, framing and error replies, settings, symbols, hover text. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import t from 'tap';
import { loadConfig } from '../daemon/config/config.js';
import { parseFile } from '../daemon/lang/chunker.js';
import { DEFAULT_LSP_SETTINGS, definitionFallbackFor, mergeSettings } from '../lsp/context.js';
import { wordAt } from '../lsp/definition.js';
import { documentSymbols, enclosingSymbol } from '../lsp/document-symbol.js';
import type { RangeHistory } from '../lsp/history-source.js';
import { hoverMarkdown } from '../lsp/hover.js';
import { LineMap } from '../lsp/line-map.js';
import { describe, percentOf } from '../lsp/progress.js';
import { parseSearchArgs } from '../lsp/search-command.js';
import { lspSymbolKind } from '../lsp/symbol-kinds.js';
import { contentLength, SafeMessageReader } from '../lsp/transport.js';
import { tempDir } from './helpers/cli.js';

/** Length of a longest common subsequence (the number of lines a minimal diff keeps). */
function lcs(a: string[], b: string[]): number {
  const dp = Array.from({ length: a.length + 1 }, () => new Int32Array(b.length + 1));
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) dp[i][j] = a[i - 1] === b[j - 1] ? dp[i - 1][j - 1] + 1 : Math.max(dp[i - 1][j], dp[i][j - 1]);
  return dp[a.length][b.length];
}

t.test('LineMap maps unchanged buffer lines to their original lines', async (t) => {
  const orig = ['a', 'b', 'c', 'd', 'e'];
  const same = LineMap.between(orig, orig);
  t.ok(same.identical);
  t.equal(same.toOriginal(3), 3);

  const inserted = LineMap.between(['new', 'a', 'b', 'x', 'c', 'd', 'e'], orig);
  t.same(
    [0, 1, 2, 3, 4, 5, 6].map((i) => inserted.toOriginal(i)),
    [null, 0, 1, null, 2, 3, 4],
  );
  t.same(inserted.rangeToOriginal(0, 3), [0, 1], 'a range maps to its mapped lines');
  t.equal(inserted.rangeToOriginal(0, 0), null, 'an all-new range maps to nothing');

  const deleted = LineMap.between(['a', 'c', 'e'], orig);
  t.same(
    [0, 1, 2].map((i) => deleted.toOriginal(i)),
    [0, 2, 4],
  );

  const edited = LineMap.between(['a', 'B', 'c', 'd', 'E'], orig);
  t.same(
    [0, 1, 2, 3, 4].map((i) => edited.toOriginal(i)),
    [0, null, 2, 3, null],
  );

  const moved = LineMap.between(['x', 'x', 'x'], ['x']);
  t.equal([0, 1, 2].filter((i) => moved.toOriginal(i) === 0).length, 1, 'a line maps at most once');
  t.equal(LineMap.between([], orig).toOriginal(0), null);
  t.equal(LineMap.between(['a'], []).toOriginal(0), null, 'a file that is not on disk maps nothing');
});

t.test('LineMap keeps as many lines as a longest common subsequence, in order (random edits)', async (t) => {
  let seed = 7;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  for (let round = 0; round < 300; round++) {
    const orig = Array.from({ length: rnd(30) }, () => 'l' + rnd(6));
    const buf = [...orig];
    for (let e = rnd(8); e > 0; e--) {
      const op = rnd(3);
      if (op === 0) buf.splice(rnd(buf.length + 1), 0, 'l' + rnd(8));
      else if (op === 1 && buf.length) buf.splice(rnd(buf.length), 1);
      else if (buf.length) buf[rnd(buf.length)] = 'l' + rnd(8);
    }
    const map = LineMap.between(buf, orig);
    let kept = 0;
    let last = -1;
    let ok = true;
    for (let i = 0; i < buf.length; i++) {
      const o = map.toOriginal(i);
      if (o === null) continue;
      kept++;
      if (o <= last || orig[o] !== buf[i]) ok = false;
      last = o;
    }
    if (!ok || kept !== lcs(buf, orig)) {
      t.fail(`round ${round}: kept ${kept}, lcs ${lcs(buf, orig)}, ordered and equal: ${ok}\n${JSON.stringify({ buf, orig })}`);
      return;
    }
  }
  t.pass('300 random edit scripts: mapping is monotonic, maps equal lines, and is maximal');
});

t.test('LineMap on a large file with a small edit', async (t) => {
  const orig = Array.from({ length: 20000 }, (_, i) => `line ${i}`);
  const buf = [...orig.slice(0, 9000), 'inserted', ...orig.slice(9000, 15000), ...orig.slice(15001)];
  const map = LineMap.between(buf, orig);
  t.equal(map.toOriginal(8999), 8999);
  t.equal(map.toOriginal(9000), null);
  t.equal(map.toOriginal(9001), 9000);
  t.equal(map.toOriginal(15000), 14999);
  t.equal(map.toOriginal(15001), 15001, 'after the deleted line');
});

function frame(body: string): Buffer {
  const b = Buffer.from(body, 'utf8');
  return Buffer.concat([Buffer.from(`Content-Length: ${b.length}\r\n\r\n`), b]);
}

t.test('SafeMessageReader: framing, error replies, and the initialize gate', async (t) => {
  t.equal(contentLength('Content-Length: 12'), 12);
  t.equal(contentLength('content-length:7\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8'), 7);
  t.equal(contentLength('Content-Type: x'), null);
  t.equal(contentLength('Content-Length: -1'), null);

  const input = new PassThrough();
  const replies: { id: unknown; error: { code: number; message: string } }[] = [];
  const delivered: { method?: string; id?: unknown }[] = [];
  const reader = new SafeMessageReader(input, { reply: (m) => replies.push(m as never) });
  reader.listen((m) => delivered.push(m as never));
  const send = (b: Buffer) => input.write(b);

  send(frame(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'workspace/symbol', params: { query: 'x' } })));
  send(frame(JSON.stringify({ jsonrpc: '2.0', method: 'textDocument/didOpen', params: {} })));
  send(frame(JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'initialize', params: { capabilities: {} } })));
  send(frame(JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'initialize', params: { capabilities: {} } })));
  send(frame('{"jsonrpc": "2.0", "id": 4, "method": '));
  send(frame(JSON.stringify([{ jsonrpc: '2.0', id: 5, method: 'x' }])));
  send(frame(JSON.stringify({ jsonrpc: '1.0', id: 6, method: 'x' })));
  send(frame(JSON.stringify({ jsonrpc: '2.0', id: 7 })));
  send(frame(JSON.stringify({ jsonrpc: '2.0', id: 8, method: 'x', params: 3 })));
  send(Buffer.from('Content-Type: nothing\r\n\r\n'));
  // A message split across writes, with a multi-byte character, is reassembled.
  const split = frame(JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'workspace/symbol', params: { query: 'façade' } }));
  send(split.subarray(0, 30));
  send(split.subarray(30, 61));
  send(split.subarray(61));
  await new Promise((r) => setImmediate(r));

  t.same(
    replies.map((r) => [r.id, r.error.code]),
    [
      [1, -32002],
      [3, -32600],
      [null, -32700],
      [null, -32600],
      [6, -32600],
      [7, -32600],
      [8, -32602],
      [null, -32700],
    ],
  );
  t.match(replies[0].error.message, /not initialized/);
  t.same(
    delivered.map((d) => d.id ?? d.method),
    [2, 9],
    'only valid messages after initialize pass (the notification before it is dropped)',
  );
  t.equal((delivered[1] as unknown as { params: { query: string } }).params.query, 'façade', 'split frames and UTF-8 survive');

  // Garbage with no header end at all is answered once it is clearly not a header.
  send(Buffer.alloc(9000, 0x61));
  await new Promise((r) => setImmediate(r));
  t.equal(replies.at(-1)?.error.code, -32700);
  send(frame(JSON.stringify({ jsonrpc: '2.0', id: 10, method: 'shutdown' })));
  await new Promise((r) => setImmediate(r));
  t.equal(delivered.at(-1)?.id, 10, 'the stream recovers after garbage');
});

t.test('settings from the editor overlay the daemon defaults; bad values are ignored', async (t) => {
  const s = mergeSettings(DEFAULT_LSP_SETTINGS, { autoRegister: false, definitionFallback: ['Ruby', 'php'], workspaceSymbolLimit: 25, junk: 1 });
  t.same(s, { autoRegister: false, definitionFallback: ['ruby', 'php'], workspaceSymbolLimit: 25 });
  t.same(mergeSettings(s, { autoRegister: 'yes', definitionFallback: 3, workspaceSymbolLimit: -1 }), s);
  t.same(mergeSettings(s, null), s);
  t.ok(definitionFallbackFor(s, 'ruby'));
  t.notOk(definitionFallbackFor(s, 'python'));
  t.notOk(definitionFallbackFor(DEFAULT_LSP_SETTINGS, 'python'), 'off by default');
  t.ok(definitionFallbackFor({ ...s, definitionFallback: true }, 'python'));
});

t.test('wordAt and search arguments', async (t) => {
  t.equal(wordAt('x = parse_json_config(f)\n', 0, 8), 'parse_json_config');
  t.equal(wordAt('  return $value;', 0, 10), '$value');
  t.equal(wordAt('a.façade()', 0, 4), 'façade');
  t.equal(wordAt('   ', 0, 1), null);
  t.equal(wordAt('x = 42', 0, 5), null, 'numbers are not names');
  t.equal(wordAt('one line', 3, 0), null);
  t.same(parseSearchArgs(['json config', { limit: 3, language: 'python' }]), {
    query: 'json config',
    options: { limit: 3, languages: ['python'], paths: undefined },
  });
  t.same(parseSearchArgs({ query: ' x ', paths: ['src/**'] }).options.paths, ['src/**']);
  t.same(parseSearchArgs([{ query: 'y' }]).query, 'y');
  t.throws(() => parseSearchArgs([]), /needs a query/);
  t.throws(() => parseSearchArgs(['x', { limit: 0 }]), /limit/);
  t.throws(() => parseSearchArgs(['x', 'y']), /options must be an object/);
});

t.test('document symbols nest by range; kinds map to LSP', async (t) => {
  const src = [
    'class Outer:',
    '    class Inner:',
    '        def m(self):',
    '            pass',
    '',
    '    def n(self):',
    '        return 1',
    '',
    '',
    'def top():',
    '    pass',
    '',
  ].join('\n');
  const parsed = await parseFile('a.py', src, 'python');
  const syms = documentSymbols(parsed.symbols, src);
  t.same(
    syms.map((s) => [s.name, s.kind, (s.children ?? []).map((c) => [c.name, (c.children ?? []).map((g) => g.name)])]),
    [
      [
        'Outer',
        5,
        [
          ['Inner', ['m']],
          ['n', []],
        ],
      ],
      ['top', 12, []],
    ],
  );
  const inner = syms[0].children![0];
  t.same(inner.range, { start: { line: 1, character: 4 }, end: { line: 3, character: 16 } });
  t.same(inner.selectionRange, { start: { line: 1, character: 10 }, end: { line: 1, character: 15 } });
  t.equal(enclosingSymbol(parsed.symbols, 4)?.name, 'm');
  t.equal(enclosingSymbol(parsed.symbols, 7)?.name, 'n');
  t.equal(enclosingSymbol(parsed.symbols, 9), null);
  t.equal(lspSymbolKind('struct'), 23);
  t.equal(lspSymbolKind('section'), 15);
  t.equal(lspSymbolKind('nonsense'), 13);
});

t.test('progress phases rise monotonically', async (t) => {
  const seq = [
    percentOf(null),
    percentOf({ phase: 'scan', done: 0, total: 0 }),
    percentOf({ phase: 'index', done: 10, total: 100 }),
    percentOf({ phase: 'index', done: 100, total: 100 }),
    percentOf({ phase: 'cleanup', done: 0, total: 3 }),
    percentOf({ phase: 'history', done: 50, total: 100 }),
    percentOf({ phase: 'history', done: 100, total: 100 }),
  ];
  t.same(
    seq,
    [...seq].sort((a, b) => a - b),
  );
  t.ok(seq.at(-1)! < 100);
  t.equal(describe({ phase: 'index', done: 3, total: 9 }), 'parsing 3/9 files');
});

t.test('hover markdown', async (t) => {
  const bob = { sha: 'b0b0b0b0b0b0', author: 'Bob Okafor', email: 'bob@example.com', date: '2023-05-09T15:20:00Z', subject: 'fix race in cache invalidation' };
  const carol = { ...bob, sha: 'ca501ca501', author: 'Carol Diaz', date: '2023-08-20T10:10:00Z', subject: 'Stop the *thundering* herd' };
  const h: RangeHistory = {
    status: 'ok',
    note: null,
    ownerOf: (l) => (l === 21 ? bob : l === 19 ? carol : l === 5 ? null : undefined),
    lastChange: carol,
    commits: 3,
    authors: 3,
    topAuthors: ['Carol Diaz', 'Bob Okafor', 'Alice Chen'],
    uncommittedLines: 0,
    oldest: '2023-05-01T10:00:00Z',
  };
  const sym = { name: 'invalidate', kind: 'method' as const, container: 'Cache', startLine: 18, endLine: 22, nameLine: 18, nameColumn: 8, signature: '' };
  const now = Date.parse('2023-09-01T00:00:00Z');
  const md = hoverMarkdown({ line: 'saved', diskLine: 21, symbol: sym, history: h, now });
  t.match(md, /^Last changed by \*\*Bob Okafor\*\*, 2023-05-09 \(4 months ago\), `b0b0b0b0`: fix race in cache invalidation/);
  t.match(md, /`Cache.invalidate` \(method\): shaped by 3 commits from 3 authors \(Carol Diaz, Bob Okafor, Alice Chen\), since 2023-05-01\./);
  t.match(md, /Latest change: \*\*Carol Diaz\*\*, 2023-08-20 \(11 days ago\), `ca501ca5`: Stop the \\\*thundering\\\* herd/, 'subjects are escaped');
  t.notMatch(hoverMarkdown({ line: 'saved', diskLine: 19, symbol: sym, history: h, now }), /Latest change/, 'the latest change is not repeated');
  t.match(hoverMarkdown({ line: 'saved', diskLine: 5, symbol: null, history: h, now }), /^Line not committed yet\.$/);
  t.match(hoverMarkdown({ line: 'unsaved', diskLine: null, symbol: sym, history: h, now }), /^Line changed in this buffer, not saved yet\./);
  const pending: RangeHistory = { ...h, status: 'pending', note: 'history not computed yet (run contextd index)' };
  t.equal(hoverMarkdown({ line: 'saved', diskLine: 21, symbol: sym, history: pending, now }), '_history not computed yet \\(run contextd index\\)_');
  t.equal(hoverMarkdown({ line: 'saved', diskLine: 21, symbol: null, history: null, now }), '_history not indexed yet_');
});

t.test('the [lsp] config section', async (t) => {
  const dir = tempDir(t);
  const env = (toml: string | null, extra: Record<string, string> = {}) => {
    const cfg = join(dir, `cfg-${Math.random().toString(36).slice(2)}`);
    mkdirSync(cfg);
    if (toml !== null) writeFileSync(join(cfg, 'config.toml'), toml);
    return { HOME: dir, CONTEXTD_CONFIG_DIR: cfg, ...extra };
  };
  t.same(loadConfig(env(null)).lsp, { autoRegister: true, definitionFallback: false, workspaceSymbolLimit: 100 }, 'defaults: register on, fallback off');
  t.same(loadConfig(env('[lsp]\nautoRegister = false\ndefinitionFallback = ["Ruby", "php"]\nworkspaceSymbolLimit = 7\n')).lsp, {
    autoRegister: false,
    definitionFallback: ['ruby', 'php'],
    workspaceSymbolLimit: 7,
  });
  t.equal(loadConfig(env('[lsp]\ndefinitionFallback = true\n')).lsp.definitionFallback, true);
  t.equal(loadConfig(env('[lsp]\nautoRegister = false\n', { CONTEXTD_LSP_AUTO_REGISTER: '1' })).lsp.autoRegister, true, 'env overrides the file');
  t.throws(() => loadConfig(env('[lsp]\ndefinitionFallback = "sometimes"\n')), /lsp\.definitionFallback/);
  t.throws(() => loadConfig(env('[lsp]\nworkspaceSymbolLimit = 0\n')), /lsp\.workspaceSymbolLimit/);
  t.throws(() => loadConfig(env('[lsp]\ndefinitionFallback = [1]\n')), /lsp\.definitionFallback/);
});
