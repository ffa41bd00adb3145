/** The pure parts of the MCP layer and the bridges: resource URIs, cursors, budgets, config redaction, LSP frames. */
import t from 'tap';
import { fileUri, parseFileUri, repoNames } from '../daemon/mcp/resource-uri.js';
import { makeCursor, readCursor } from '../daemon/mcp/cursor.js';
import { fitPage, tokensOf } from '../daemon/mcp/budget.js';
import { redactConfig } from '../daemon/mcp/tools/get-config.js';
import { LspFrameReader, lspFrame } from '../daemon/cli/lsp-frames.js';

t.test('contextd:// URIs round-trip, names are unique, anything odd is refused', async (t) => {
  const roots = ['/home/a/work/app', '/home/a/other/app', '/home/a/lib'];
  const names = repoNames(roots);
  t.equal(names.get('/home/a/lib'), 'lib');
  t.not(names.get(roots[0]), names.get(roots[1]), 'two repositories named app get distinct names');
  t.match(names.get(roots[0]), /^app-[0-9a-f]{8}$/);
  const ref = { root: roots[1], path: 'src/my file #1.ts', start: 3, end: 9, rev: 'feature/x' };
  t.same(parseFileUri(fileUri(ref, roots), roots), ref, 'round trip with spaces, #, a range and a rev');
  t.same(parseFileUri('contextd://lib/', roots), { root: '/home/a/lib', path: '' }, 'the repository itself');
  for (const bad of [
    'file:///etc/passwd',
    'contextd://nope/x',
    'contextd://lib/x?lines=9-3',
    'contextd://lib/x?lines=0-2',
    'contextd://lib/x?rev=-p',
    'contextd://lib/x?rev=a..b',
    'contextd://lib/x?color=red',
    'contextd://lib/%E0%A4%A',
  ]) {
    t.throws(() => parseFileUri(bad, roots), `${bad} refused`);
  }
});

t.test('cursors are bound to their arguments', async (t) => {
  const args = { query: 'q', limit: 5, repo: undefined };
  const c = makeCursor(args, 7);
  t.equal(readCursor({ ...args, cursor: c }), 7);
  t.equal(readCursor({ limit: 5, query: 'q', cursor: c }), 7, 'key order and absent keys do not matter');
  t.throws(() => readCursor({ ...args, query: 'other', cursor: c }), /other arguments/);
  t.throws(() => readCursor({ ...args, cursor: 'garbage' }), /not one this server made/);
  t.equal(readCursor(args), 0);
});

t.test('fitPage shrinks code first, then ends the page early, never before its first item', async (t) => {
  const items = Array.from({ length: 10 }, (_, i) => ({ i, code: Array.from({ length: 50 }, (_, l) => `line ${l} of item ${i} `.repeat(3)).join('\n') }));
  const render = (it: { i: number; code: string }, max: number) => `item ${it.i}\n${it.code.split('\n').slice(0, max).join('\n')}`;
  const roomy = fitPage(items, render, 100_000);
  t.same([roomy.shown, roomy.trimmedItems], [10, 0]);
  const tight = fitPage(items, render, 100);
  t.ok(tight.shown >= 1 && tight.shown < 10, `a short page (${tight.shown})`);
  t.ok(tokensOf(tight.text) <= 100 || tight.shown === 1, 'within the budget');
  t.equal(fitPage(items, render, 1).shown, 1, 'one item even when nothing fits');
});

t.test('get_config redacts credentials', async (t) => {
  const out = redactConfig({
    store: { url: 'postgres://u:hunter2@db:5432/x' },
    qdrant: { apiKey: 'k-123', url: null },
    cache: { redis: 'redis://:pw@r:6379' },
    n: 3,
    list: ['a'],
  }) as Record<string, Record<string, unknown>>;
  t.notMatch(JSON.stringify(out), /hunter2|k-123|:pw@/);
  t.equal(out.qdrant.apiKey, '[redacted]');
  t.match(out.store.url, /postgres:\/\/u:\*\*\*@db:5432\/x/);
  t.equal(out.n, 3);
});

t.test('LSP frames are read across any chunking', async (t) => {
  const msgs = [{ id: 1, method: 'a' }, { id: 'x', result: 'é'.repeat(100) }, { method: 'n' }];
  const bytes = Buffer.concat(msgs.map((m) => lspFrame(m)));
  for (const size of [1, 3, 17, bytes.length]) {
    const got: unknown[] = [];
    const r = new LspFrameReader((b) => got.push(JSON.parse(b.toString('utf8'))));
    for (let i = 0; i < bytes.length; i += size) r.push(bytes.subarray(i, i + size));
    t.same(got, msgs, `chunks of ${size}`);
  }
  const lost: unknown[] = [];
  const r = new LspFrameReader((b) => lost.push(b));
  r.push(Buffer.from('X-Nothing: 1\r\n\r\n{}'));
  r.push(lspFrame({ id: 1 }));
  t.same(lost, [], 'a stream it cannot follow stops the reading, nothing is made up');
});
