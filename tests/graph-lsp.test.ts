/**
 * The graph in an editor: `contextd lsp` (the stdio bridge to a real daemon) driven by a
 * vscode-jsonrpc client, as an editor would: references (with and without the declaration),
 * call hierarchy both ways, implementation, and code lenses with a reference count.
 */
import t from 'tap';
import { join } from 'node:path';
import { daemonWithRepo } from './helpers/daemon.js';
import { spawnLsp, uri, type LspClient } from './helpers/lsp-client.js';

interface Loc {
  uri: string;
  range: { start: { line: number; character: number } };
}
interface Item {
  name: string;
  uri: string;
  selectionRange: { start: { line: number; character: number } };
}

const at = (l: Loc) => `${l.uri.slice(l.uri.lastIndexOf('/graph/') + 7)}:${l.range.start.line + 1}`;

t.test('references, call hierarchy, implementation and code lens through contextd lsp', async (t) => {
  const { env, repo } = await daemonWithRepo(t, 'graph');
  const client: LspClient = spawnLsp(env, repo);
  t.teardown(() => client.close());
  const init = await client.initialize([repo]);
  t.match(init.capabilities, {
    referencesProvider: true,
    callHierarchyProvider: true,
    implementationProvider: true,
    codeLensProvider: { resolveProvider: true },
  });
  const core = uri(join(repo, 'pkg', 'core.py'));

  // Store.get is defined on line 13 (0-based 12), name at column 8.
  const pos = { textDocument: { uri: core }, position: { line: 12, character: 9 } };
  const refs = await client.conn.sendRequest<Loc[]>('textDocument/references', { ...pos, context: { includeDeclaration: false } });
  t.same(refs.map(at).sort(), ['pkg/cli.py:8', 'pkg/core.py:17', 'pkg/core.py:23']);
  const withDecl = await client.conn.sendRequest<Loc[]>('textDocument/references', { ...pos, context: { includeDeclaration: true } });
  t.equal(withDecl.length, refs.length + 1, 'the declaration too when asked');

  // load (line 4): who calls it, and what Store.get calls.
  const items = await client.conn.sendRequest<Item[]>('textDocument/prepareCallHierarchy', {
    textDocument: { uri: core },
    position: { line: 3, character: 5 },
  });
  t.same(
    items.map((i) => i.name),
    ['load'],
  );
  const incoming = await client.conn.sendRequest<{ from: Item; fromRanges: unknown[] }[]>('callHierarchy/incomingCalls', { item: items[0] });
  const from = incoming.map((c) => c.from.name).sort();
  for (const n of ['get', 'main', 'test_load']) t.ok(from.includes(n), `incoming call from ${n}`);
  t.ok(
    incoming.every((c) => c.fromRanges.length > 0),
    'each with its call sites',
  );
  const [getItem] = await client.conn.sendRequest<Item[]>('textDocument/prepareCallHierarchy', pos);
  const outgoing = await client.conn.sendRequest<{ to: Item }[]>('callHierarchy/outgoingCalls', { item: getItem });
  t.same(
    outgoing.map((c) => c.to.name),
    ['load'],
  );

  // Greeter (web/util.ts line 5): LoudGreeter implements it.
  const util = uri(join(repo, 'web', 'util.ts'));
  const impl = await client.conn.sendRequest<Loc[]>('textDocument/implementation', { textDocument: { uri: util }, position: { line: 4, character: 14 } });
  t.same(impl.map(at), ['web/main.ts:9']);

  const lenses = await client.conn.sendRequest<{ range: unknown; data: unknown }[]>('textDocument/codeLens', { textDocument: { uri: core } });
  t.ok(lenses.length >= 4, 'a lens per function, class and method');
  const resolved = await client.conn.sendRequest<{ command: { title: string } }>('codeLens/resolve', lenses[0]);
  t.match(resolved.command.title, /^\d+ references? · changed 2024-02-0\d$/, resolved.command.title);
});
