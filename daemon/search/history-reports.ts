/**
 * The history views behind `contextd history`, `related` and `changes`, built
 * from the store's commit table and blame (no git process at query time).
 * Renames are followed through the commit table: a file's older names count
 * as the file, and a partner's older name is reported under its current one.
 */
import { ContextdError } from '../errors.js';
import type { ChunkRow, CommitInfo, FileCommit, MetadataStore, RenameRecord, RepoRecord } from '../store/types.js';
import { byNewest, summarizeBlame, type HistorySummary } from './history-summary.js';
import { isoTime } from './time.js';

export interface HistoryEntry {
  /** null: lines not committed yet. */
  sha: string | null;
  author: string | null;
  email: string | null;
  /** Author date, ISO 8601 UTC. */
  date: string | null;
  subject: string;
  body: string;
  /** Lines of the target this commit owns now, and where. */
  lines: number;
  ranges: [number, number][];
}

export interface HistoryReport {
  repo: string;
  path: string;
  startLine: number;
  endLine: number;
  symbol: string | null;
  summary: HistorySummary;
  /** Newest first; uncommitted lines first of all. For a whole file, commits that touched it but own no line now follow with lines = 0. */
  commits: HistoryEntry[];
  /** Commits that changed the file over its life (renames followed). */
  fileCommits: number;
  /** The file's earlier names, newest first. */
  formerNames: string[];
}

export interface HistoryTargetSpec {
  file: string;
  /** 1-based inclusive line range. */
  range?: [number, number];
  symbol?: string;
}

/** `file`, `file:12`, `file:10-20`, `file#symbol`. */
export function parseHistoryTarget(spec: string): HistoryTargetSpec {
  const hash = spec.lastIndexOf('#');
  if (hash > 0) {
    const symbol = spec.slice(hash + 1).trim();
    if (!symbol) throw new ContextdError('bad-argument', `no symbol after # in ${JSON.stringify(spec)}`, { exitCode: 2 });
    return { file: spec.slice(0, hash), symbol };
  }
  const m = /^(.+):(\d+)(?:-(\d+))?$/.exec(spec);
  if (m) {
    const start = Number(m[2]);
    const end = m[3] === undefined ? start : Number(m[3]);
    if (start < 1 || end < start) {
      throw new ContextdError('bad-argument', `bad line range in ${JSON.stringify(spec)}: lines are 1-based and start <= end`, { exitCode: 2 });
    }
    return { file: m[1], range: [start, end] };
  }
  return { file: spec };
}

/** Every name `path` had, newest first (itself first), following recorded renames backwards. */
export function formerNames(renames: RenameRecord[], path: string): string[] {
  const names = [path];
  const seen = new Set(names);
  for (const r of renames) {
    // renames arrive newest first: a later rename adds the name an earlier one renamed to
    if (seen.has(r.to) && !seen.has(r.from)) {
      seen.add(r.from);
      names.push(r.from);
    }
  }
  return names;
}

/** Maps any old name to the file's current name, following renames forwards. */
export function currentNames(renames: RenameRecord[]): (path: string) => string {
  const next = new Map<string, string>();
  for (const r of [...renames].reverse()) next.set(r.from, r.to);
  return (path) => {
    let p = path;
    for (let hops = 0; next.has(p) && hops < 100; hops++) p = next.get(p)!;
    return p;
  };
}

function entry(c: CommitInfo | null, lines: number, ranges: [number, number][]): HistoryEntry {
  if (c === null) return { sha: null, author: null, email: null, date: null, subject: 'not committed yet', body: '', lines, ranges };
  return { sha: c.sha, author: c.authorName, email: c.authorEmail, date: isoTime(c.authorTime), subject: c.subject, body: c.body, lines, ranges };
}

/** The one error for a path the index does not know (history, related: same mistake, same message and exit code). */
function notInIndex(repo: RepoRecord, path: string): ContextdError {
  return new ContextdError('not-in-index', `${path} is not in the index of ${repo.root}`, {
    hint: 'history covers indexed files: check the path (relative to the current directory or to --repo), or run: contextd index',
  });
}

export async function fileHistory(
  store: MetadataStore,
  repo: RepoRecord,
  path: string,
  target: { range?: [number, number]; symbol?: string },
): Promise<HistoryReport> {
  const files = await store.listFiles(repo.id);
  const file = files.get(path);
  if (!file) throw notInIndex(repo, path);
  if (file.status !== 'indexed') {
    throw new ContextdError('not-indexed-file', `${path} is not indexed (skipped: ${file.skipReason ?? 'unknown reason'}), so it has no history here`, {
      hint: 'see `contextd index --json` for what is skipped and why',
    });
  }
  const chunks = await store.fileChunks(repo.id, path);
  let symbol: string | null = null;
  let range = target.range;
  if (target.symbol) {
    const found = findSymbolRange(chunks, target.symbol) ?? (await symbolRange(store, repo.id, path, target.symbol));
    if (!found) {
      const names = [...new Set(chunks.map((c) => c.symbol).filter((s): s is string => !!s))];
      throw new ContextdError('no-such-symbol', `no symbol ${JSON.stringify(target.symbol)} in ${path}`, {
        hint: names.length
          ? `symbols in this file: ${names.slice(0, 12).join(', ')}${names.length > 12 ? ', …' : ''}`
          : 'this file has no symbols; use file:start-end',
      });
    }
    symbol = found.symbol;
    range = [found.start, found.end];
  }
  const [whole] = await store.blameForRanges([{ repoId: repo.id, path, startLine: 1, endLine: Number.MAX_SAFE_INTEGER }]);
  const lastLine = Math.max(0, ...whole.owners.flatMap((o) => o.ranges.map((r) => r[1])), ...chunks.map((c) => c.endLine));
  if (range && range[0] > lastLine && lastLine > 0) {
    throw new ContextdError('bad-argument', `${path} has ${lastLine} lines; line ${range[0]} is past its end`, { exitCode: 2 });
  }
  const [start, end] = range ? [range[0], Math.min(range[1], Math.max(lastLine, range[0]))] : [1, Math.max(lastLine, 1)];
  const [blame] = range ? await store.blameForRanges([{ repoId: repo.id, path, startLine: start, endLine: end }]) : [whole];

  const grafts = new Set((await store.historyState(repo.id))?.grafts ?? []);
  const summary = summarizeBlame(blame, grafts);
  const renames = await store.renames(repo.id);
  const names = formerNames(renames, path);
  const touched: FileCommit[] = await store.fileCommits(repo.id, names, 100_000);

  const owned = new Map(blame.owners.filter((o) => o.commit !== null).map((o) => [o.commit!.sha, o] as const));
  const list: CommitInfo[] = [...owned.values()].map((o) => o.commit!);
  // A whole file also lists the commits that changed it but whose lines are all gone since.
  if (!range) for (const c of touched) if (!owned.has(c.sha)) list.push(c);
  list.sort(byNewest);
  const uncommitted = blame.owners.find((o) => o.commit === null);
  const commits: HistoryEntry[] = [
    ...(uncommitted ? [entry(null, uncommitted.lines, uncommitted.ranges)] : []),
    ...list.map((c) => entry(c, owned.get(c.sha)?.lines ?? 0, owned.get(c.sha)?.ranges ?? [])),
  ];
  return { repo: repo.root, path, startLine: start, endLine: end, symbol, summary, commits, fileCommits: touched.length, formerNames: names.slice(1) };
}

/** A chunk named after the symbol (exactly, or as the last part of its dotted path). */
function findSymbolRange(chunks: ChunkRow[], name: string): { symbol: string; start: number; end: number } | null {
  const exact = chunks.find((c) => c.symbol === name) ?? chunks.find((c) => c.symbol?.endsWith('.' + name));
  return exact?.symbol ? { symbol: exact.symbol, start: exact.startLine, end: exact.endLine } : null;
}

async function symbolRange(store: MetadataStore, repoId: number, path: string, name: string): Promise<{ symbol: string; start: number; end: number } | null> {
  const leaf = name.slice(name.lastIndexOf('.') + 1);
  const rows = await store.lookupSymbols({ repoIds: [repoId], pathRegexes: [`^${escapeRegex(path)}$`], names: [leaf], limit: 50 });
  const row = rows.find((r) => (r.container ? `${r.container}.${r.name}` : r.name) === name) ?? rows[0];
  if (!row) return null;
  return { symbol: row.container ? `${row.container}.${row.name}` : row.name, start: row.startLine, end: row.endLine };
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

export interface RelatedFile {
  path: string;
  /** Commits that changed both files. */
  count: number;
  /** count / commits that changed the target: how often a change to the target also changed this file. */
  confidence: number;
  /** Still in the working tree's index. */
  exists: boolean;
}

export interface RelatedReport {
  repo: string;
  path: string;
  formerNames: string[];
  /** Commits that changed the file, within the cut-off. */
  commits: number;
  /** Commits that changed the file but more than `maxFiles` files in all (left out). */
  ignoredCommits: number;
  maxFiles: number;
  related: RelatedFile[];
}

export async function relatedFiles(store: MetadataStore, repo: RepoRecord, path: string, opts: { maxFiles: number; limit: number }): Promise<RelatedReport> {
  const renames = await store.renames(repo.id);
  const names = formerNames(renames, path);
  const current = currentNames(renames);
  const counts = await store.coChange(repo.id, names, opts.maxFiles);
  const view = await store.listFiles(repo.id);
  // A deleted or renamed file still has partners from its past commits; a path nothing ever touched is a mistake.
  if (!view.has(path) && counts.commits === 0) throw notInIndex(repo, path);
  const merged = new Map<string, number>();
  for (const p of counts.partners) {
    const now = current(p.path);
    if (now === path || names.includes(p.path)) continue;
    merged.set(now, (merged.get(now) ?? 0) + p.count);
  }
  const related = [...merged.entries()]
    .map(([p, count]) => ({
      path: p,
      count: Math.min(count, counts.commits),
      confidence: counts.commits ? Math.round((Math.min(count, counts.commits) / counts.commits) * 100) / 100 : 0,
      exists: view.has(p),
    }))
    .sort((a, b) => b.count - a.count || Number(b.exists) - Number(a.exists) || (a.path < b.path ? -1 : 1))
    .slice(0, opts.limit);
  return { repo: repo.root, path, formerNames: names.slice(1), commits: counts.commits, ignoredCommits: counts.ignored, maxFiles: opts.maxFiles, related };
}

export interface ChangeCommit {
  sha: string;
  author: string;
  email: string;
  date: string;
  subject: string;
}

export interface ChangedSymbol {
  /** Symbol path, or null for top-level statements / a window of lines. */
  symbol: string | null;
  kind: string;
  startLine: number;
  endLine: number;
  /** Lines of the chunk owned by commits of the window. */
  lines: number;
  commits: string[];
}

export interface ChangedFile {
  path: string;
  /** added | modified | deleted | renamed (within the window). */
  status: string;
  oldPath: string | null;
  exists: boolean;
  commits: ChangeCommit[];
  /** Where the window's commits still own lines, chunk by chunk. */
  symbols: ChangedSymbol[];
}

export interface ChangesReport {
  repo: string;
  since: string | null;
  until: string | null;
  commits: ChangeCommit[];
  files: ChangedFile[];
  /** More commits matched than were read. */
  truncated: boolean;
}

export async function recentChanges(
  store: MetadataStore,
  repo: RepoRecord,
  opts: { since?: number; until?: number; author?: string; maxCommits: number; limit: number },
): Promise<ChangesReport> {
  const commits = await store.recentCommits({ repoId: repo.id, since: opts.since, until: opts.until, author: opts.author, limit: opts.maxCommits + 1 });
  const truncated = commits.length > opts.maxCommits;
  if (truncated) commits.pop();
  const current = currentNames(await store.renames(repo.id));
  const view = await store.listFiles(repo.id);
  const ref = (c: CommitInfo): ChangeCommit => ({ sha: c.sha, author: c.authorName, email: c.authorEmail, date: isoTime(c.authorTime), subject: c.subject });

  interface Acc {
    path: string;
    statuses: string[];
    oldPath: string | null;
    commits: CommitInfo[];
  }
  const files = new Map<string, Acc>();
  // Oldest first, so the statuses read in the order things happened.
  for (const c of [...commits].reverse()) {
    for (const f of c.files) {
      const p = current(f.path);
      let acc = files.get(p);
      if (!acc) {
        acc = { path: p, statuses: [], oldPath: null, commits: [] };
        files.set(p, acc);
      }
      acc.statuses.push(f.status);
      if (f.status === 'R' && acc.oldPath === null) acc.oldPath = f.oldPath;
      if (!acc.commits.some((x) => x.sha === c.sha)) acc.commits.push(c);
    }
  }
  const out: ChangedFile[] = [];
  for (const acc of files.values()) {
    const exists = view.get(acc.path)?.status === 'indexed';
    const first = acc.statuses[0];
    const last = acc.statuses[acc.statuses.length - 1];
    const status = last === 'D' && !exists ? 'deleted' : first === 'A' ? 'added' : acc.oldPath ? 'renamed' : 'modified';
    const shas = new Set(acc.commits.map((c) => c.sha));
    const symbols: ChangedSymbol[] = [];
    if (exists) {
      const [blame] = await store.blameForRanges([{ repoId: repo.id, path: acc.path, startLine: 1, endLine: Number.MAX_SAFE_INTEGER }]);
      const owned = blame.owners.filter((o) => o.commit && shas.has(o.commit.sha));
      if (owned.length) {
        for (const chunk of await store.fileChunks(repo.id, acc.path)) {
          let lines = 0;
          const by = new Set<string>();
          for (const o of owned) {
            for (const [s, e] of o.ranges) {
              const n = Math.min(e, chunk.endLine) - Math.max(s, chunk.startLine) + 1;
              if (n > 0) {
                lines += n;
                by.add(o.commit!.sha);
              }
            }
          }
          if (lines) {
            const order = acc.commits
              .filter((c) => by.has(c.sha))
              .sort(byNewest)
              .map((c) => c.sha);
            symbols.push({ symbol: chunk.symbol, kind: chunk.kind, startLine: chunk.startLine, endLine: chunk.endLine, lines, commits: order });
          }
        }
      }
    }
    out.push({ path: acc.path, status, oldPath: acc.oldPath, exists, commits: [...acc.commits].sort(byNewest).map(ref), symbols });
  }
  out.sort((a, b) => (a.commits[0].date < b.commits[0].date ? 1 : a.commits[0].date > b.commits[0].date ? -1 : a.path < b.path ? -1 : 1));
  return {
    repo: repo.root,
    since: opts.since === undefined ? null : isoTime(opts.since),
    until: opts.until === undefined ? null : isoTime(opts.until),
    commits: commits.map(ref),
    files: out.slice(0, opts.limit),
    truncated,
  };
}
