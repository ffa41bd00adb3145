/**
 * textDocument/definition from the symbol table, for languages the user has no
 * language server for (off by default: `definitionFallback`). The word under
 * the cursor is looked up by exact name; definitions in the same file, then the
 * same repository, then the same language come first, types before values.
 */
import { join } from 'node:path';
import type { DefinitionParams, Location } from 'vscode-languageserver/node';
import type { Engine } from '../daemon/engine.js';
import { languageForPath } from '../daemon/lang/languages.js';
import type { RepoRecord, SymbolRow } from '../daemon/store/types.js';
import { definitionFallbackFor, type LspSettings } from './context.js';
import { splitLines } from './document-symbol.js';
import type { Documents } from './documents.js';
import type { Workspace } from './workspace.js';
import { pathToUri, uriToPath } from './workspace.js';

const WORD = /[\p{L}\p{N}_$]/u;
const MAX_LOCATIONS = 20;
const KIND_ORDER = [
  'class',
  'interface',
  'struct',
  'enum',
  'trait',
  'type',
  'module',
  'namespace',
  'function',
  'method',
  'constructor',
  'macro',
  'constant',
  'variable',
  'property',
  'field',
  'impl',
  'section',
];

/** The identifier at a 0-based (line, UTF-16 character) position, if any. */
export function wordAt(text: string, line: number, character: number): string | null {
  const l = splitLines(text)[line];
  if (l === undefined) return null;
  let a = Math.min(character, l.length);
  let b = a;
  while (a > 0 && WORD.test(l[a - 1])) a--;
  while (b < l.length && WORD.test(l[b])) b++;
  const w = l.slice(a, b);
  return w && !/^\d/.test(w) ? w : null;
}

export interface DefinitionDeps {
  engine: Engine;
  documents: Documents;
  workspace: Workspace;
  settings: () => LspSettings;
}

export async function definition(deps: DefinitionDeps, params: DefinitionParams): Promise<Location[] | null> {
  const uri = params.textDocument.uri;
  const path = uriToPath(uri);
  const language = path ? languageForPath(path) : null;
  if (!definitionFallbackFor(deps.settings(), language)) return null;
  const doc = await deps.documents.text(uri);
  if (!doc) return null;
  const word = wordAt(doc.text, params.position.line, params.position.character);
  if (!word) return null;
  const [loc, scoped] = await Promise.all([deps.workspace.locate(uri), deps.workspace.repos()]);
  const repos: RepoRecord[] = scoped ?? (await deps.engine.repos.listRepos());
  const roots = new Map(repos.map((r) => [r.id, r.root]));
  const rows = await deps.engine.symbolsNamed([word], repos, 500);
  const rank = (r: SymbolRow) => [
    loc && r.repoId === loc.repo.id && r.path === loc.path ? 0 : 1,
    loc && r.repoId === loc.repo.id ? 0 : 1,
    r.language === language ? 0 : 1,
    KIND_ORDER.indexOf(r.kind) < 0 ? 99 : KIND_ORDER.indexOf(r.kind),
  ];
  const sorted = rows
    .map((r) => ({ r, k: rank(r) }))
    .sort(
      (a, b) =>
        a.k[0] - b.k[0] ||
        a.k[1] - b.k[1] ||
        a.k[2] - b.k[2] ||
        a.k[3] - b.k[3] ||
        (a.r.path < b.r.path ? -1 : a.r.path > b.r.path ? 1 : a.r.nameLine - b.r.nameLine),
    );
  const out: Location[] = [];
  for (const { r } of sorted.slice(0, MAX_LOCATIONS)) {
    const root = roots.get(r.repoId);
    if (!root) continue;
    const line = Math.max(0, r.nameLine - 1);
    out.push({
      uri: pathToUri(join(root, r.path)),
      range: { start: { line, character: r.nameColumn }, end: { line, character: r.nameColumn + r.name.length } },
    });
  }
  return out.length ? out : null;
}
