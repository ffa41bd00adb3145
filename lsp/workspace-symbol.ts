/**
 * workspace/symbol: the fuzzy symbol table (exact > prefix > initials >
 * subsequence; types before callables before values), scoped to the
 * workspace's repositories, capped at `workspaceSymbolLimit`, streamed as
 * partial results when the client asks for them.
 */
import {
  LSPErrorCodes,
  ResponseError,
  type CancellationToken,
  type ResultProgressReporter,
  type SymbolInformation,
  type WorkspaceSymbolParams,
} from 'vscode-languageserver/node';
import { join } from 'node:path';
import type { Engine } from '../daemon/engine.js';
import type { SymbolHit } from '../daemon/search/symbols.js';
import type { RepoRecord } from '../daemon/store/types.js';
import { lspSymbolKind } from './symbol-kinds.js';
import { pathToUri } from './workspace.js';

/** Partial results go out in batches of this many. */
export const PARTIAL_BATCH = 50;

export function toSymbolInformation(hit: SymbolHit, root: string): SymbolInformation {
  const line = Math.max(0, hit.nameLine - 1);
  const character = Math.max(0, hit.nameColumn);
  return {
    name: hit.name,
    kind: lspSymbolKind(hit.kind),
    // The name's range: where an editor should put the cursor when the user picks the symbol.
    location: { uri: pathToUri(join(root, hit.path)), range: { start: { line, character }, end: { line, character: character + hit.name.length } } },
    ...(hit.container ? { containerName: hit.container } : {}),
  };
}

export async function workspaceSymbols(
  engine: Engine,
  params: WorkspaceSymbolParams,
  opts: { repos: RepoRecord[] | null; limit: number; token?: CancellationToken; partial?: ResultProgressReporter<SymbolInformation[]> },
): Promise<SymbolInformation[]> {
  const query = typeof params.query === 'string' ? params.query.trim() : '';
  if (!query) return [];
  const repos = opts.repos ?? (await engine.repos.listRepos());
  const roots = new Map(repos.map((r) => [r.id, r.root]));
  const hits = await engine.symbolsIn(query, opts.repos, opts.limit);
  if (opts.token?.isCancellationRequested) throw new ResponseError(LSPErrorCodes.RequestCancelled, 'workspace/symbol cancelled');
  const out: SymbolInformation[] = [];
  for (const h of hits) {
    const root = roots.get(h.repoId);
    if (root) out.push(toSymbolInformation(h, root));
  }
  if (opts.partial && out.length > PARTIAL_BATCH) {
    for (let i = 0; i < out.length; i += PARTIAL_BATCH) opts.partial.report(out.slice(i, i + PARTIAL_BATCH));
    return [];
  }
  return out;
}
