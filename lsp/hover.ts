/**
 * textDocument/hover: who last changed the line, when and why (the commit
 * subject), and how many commits and authors shaped the enclosing symbol.
 * An edited buffer's line is first mapped to the line of the file on disk (a
 * line diff), since that is the file git blame describes.
 */
import { MarkupKind, type Hover, type HoverParams } from 'vscode-languageserver/node';
import type { SymbolInfo } from '../daemon/lang/types.js';
import { enclosingSymbol, splitLines, symbolPath } from './document-symbol.js';
import { readDisk, type Documents } from './documents.js';
import type { CommitRef, HistorySource, RangeHistory } from './history-source.js';
import { LineMap } from './line-map.js';
import type { Workspace } from './workspace.js';

export interface HoverDeps {
  documents: Documents;
  workspace: Workspace;
  history: HistorySource;
  now?: () => number;
}

function ago(iso: string, now: number): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return '';
  const days = Math.floor((now - t) / 86_400_000);
  if (days < 1) return 'today';
  if (days === 1) return 'yesterday';
  if (days < 45) return `${days} days ago`;
  if (days < 365) return `${Math.round(days / 30)} months ago`;
  const years = Math.floor(days / 365);
  return years === 1 ? 'a year ago' : `${years} years ago`;
}

function day(iso: string): string {
  return iso.slice(0, 10);
}

function escapeMd(s: string): string {
  return s.replace(/([\\`*_{}[\]<>()#+!|~])/g, '\\$1');
}

function commitLine(c: CommitRef, now: number): string {
  const when = ago(c.date, now);
  return `**${escapeMd(c.author)}**, ${day(c.date)}${when ? ` (${when})` : ''}, \`${c.sha.slice(0, 8)}\`: ${escapeMd(c.subject)}`;
}

function plural(n: number, one: string, many = one + 's'): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** The markdown of a hover, from what is known about the line and its symbol. */
export function hoverMarkdown(input: {
  line: 'saved' | 'unsaved';
  /** The line as blamed (1-based, in the file on disk), when it maps. */
  diskLine: number | null;
  symbol: SymbolInfo | null;
  history: RangeHistory | null;
  now: number;
}): string {
  const { history: h, now } = input;
  const parts: string[] = [];
  let shown: string | null = null;
  if (input.line === 'unsaved' || input.diskLine === null) {
    parts.push('Line changed in this buffer, not saved yet.');
  } else if (!h || h.status === 'unavailable' || h.status === 'pending') {
    parts.push(`_${escapeMd(h?.note ?? 'history not indexed yet')}_`);
  } else {
    const owner = h.ownerOf(input.diskLine);
    if (owner === null) parts.push('Line not committed yet.');
    else if (owner) {
      parts.push(`Last changed by ${commitLine(owner, now)}`);
      shown = owner.sha;
    } else if (h.note) parts.push(`_${escapeMd(h.note)}_`);
  }
  if (input.symbol && h && (h.status === 'ok' || h.status === 'uncommitted')) {
    const name = `\`${symbolPath(input.symbol)}\` (${input.symbol.kind})`;
    if (h.commits === 0) parts.push(`${name}: not committed yet.`);
    else {
      const authors = h.topAuthors.length ? ` (${h.topAuthors.map(escapeMd).join(', ')}${h.authors > h.topAuthors.length ? ', …' : ''})` : '';
      const since = h.oldest ? `, since ${day(h.oldest)}` : '';
      const pending = h.uncommittedLines ? `; ${plural(h.uncommittedLines, 'line')} not committed yet` : '';
      parts.push(`${name}: shaped by ${plural(h.commits, 'commit')} from ${plural(h.authors, 'author')}${authors}${since}${pending}.`);
      if (h.lastChange && h.lastChange.sha !== shown) parts.push(`Latest change: ${commitLine(h.lastChange, now)}`);
    }
  }
  return parts.join('\n\n');
}

export async function hover(deps: HoverDeps, params: HoverParams): Promise<Hover | null> {
  const uri = params.textDocument.uri;
  const [doc, loc] = await Promise.all([deps.documents.text(uri), deps.workspace.locate(uri)]);
  if (!doc || !loc) return null;
  const lines = splitLines(doc.text);
  const line = params.position.line;
  if (line < 0 || line >= lines.length) return null;

  let map: LineMap;
  if (doc.version === null) map = LineMap.identity(lines.length);
  else {
    const disk = await readDisk(deps.documents.engine, loc.abs);
    map = disk === null ? LineMap.between(lines, []) : disk === doc.text ? LineMap.identity(lines.length) : LineMap.between(lines, splitLines(disk));
  }
  const parsed = await deps.documents.parse(doc).catch(() => null);
  const symbol = parsed ? enclosingSymbol(parsed.symbols, line + 1) : null;
  const mapped = map.toOriginal(line);
  const diskLine = mapped === null ? null : mapped + 1;
  const symRange = symbol ? map.rangeToOriginal(symbol.startLine - 1, symbol.endLine - 1) : null;

  let start = diskLine;
  let end = diskLine;
  if (symRange) {
    start = Math.min(symRange[0] + 1, diskLine ?? Infinity);
    end = Math.max(symRange[1] + 1, diskLine ?? -Infinity);
  }
  const history = start !== null && end !== null ? await deps.history.range(loc.repo, loc.path, start, end) : null;
  const value = hoverMarkdown({
    line: mapped === null ? 'unsaved' : 'saved',
    diskLine,
    symbol: symRange ? symbol : null,
    history,
    now: deps.now?.() ?? Date.now(),
  });
  if (!value) return null;
  return {
    contents: { kind: MarkupKind.Markdown, value },
    range: { start: { line, character: 0 }, end: { line, character: lines[line].length } },
  };
}
