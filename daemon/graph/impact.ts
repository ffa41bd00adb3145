/**
 * `impact`: what a change touches. The changed lines (a diff of the working tree, the index,
 * a commit or a range) are mapped to the definitions holding them, by parsing the changed
 * side of each file (so a commit older than the view still names its definitions); those
 * definitions' transitive callers come from the graph, the tests among them are listed, and
 * files that historically change together with the changed files come from the history store.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ContextdError } from '../errors.js';
import { parseFile } from '../lang/chunker.js';
import { languageForPath } from '../lang/languages.js';
import { DiffParser, type FileDiff } from '../repo/diff.js';
import { runGit } from '../repo/git.js';
import { gitRecordBatches } from '../repo/git-stream.js';
import { isTestPath } from '../search/test-files.js';
import type { MetadataStore, SymbolRow } from '../store/types.js';
import { DEFINITION_KINDS, GraphQueries, toDefinition } from './queries.js';
import { symbolPath } from './resolve.js';
import type { ImpactReport } from './types.js';

export type ChangeSpec = { kind: 'worktree' } | { kind: 'staged' } | { kind: 'rev'; rev: string };

const DIFF_OPTS = ['-U0', '--full-index', '-M', '--no-color', '--no-ext-diff', '--no-textconv', '--no-relative'];

async function gitDiff(root: string, args: string[]): Promise<FileDiff[]> {
  const parser = new DiffParser();
  for await (const batch of gitRecordBatches(root, args, 0x0a, { timeoutMs: 60_000 })) for (const l of batch) parser.push(l);
  return parser.finish();
}

/** The diff a spec names, and how to read the changed side of a file. */
async function changes(
  root: string,
  spec: ChangeSpec,
): Promise<{ diffs: FileDiff[]; read: (path: string) => Promise<string | null>; readOld: (path: string) => Promise<string | null>; source: string }> {
  const show = async (obj: string) => {
    const r = await runGit(root, ['show', obj]).catch(() => null);
    return r ? r.stdout : null;
  };
  if (spec.kind === 'worktree') {
    return {
      diffs: await gitDiff(root, ['diff', ...DIFF_OPTS, 'HEAD', '--']),
      read: (p) => readFile(join(root, p), 'utf8').catch(() => null),
      readOld: (p) => show(`HEAD:${p}`),
      source: 'working tree vs HEAD',
    };
  }
  if (spec.kind === 'staged')
    return {
      diffs: await gitDiff(root, ['diff', '--cached', ...DIFF_OPTS, 'HEAD', '--']),
      read: (p) => show(`:${p}`),
      readOld: (p) => show(`HEAD:${p}`),
      source: 'staged vs HEAD',
    };
  const rev = spec.rev;
  if (rev.startsWith('-')) throw new ContextdError('bad-rev', `not a revision: ${rev}`);
  const range = rev.includes('..') ? rev.split(/\.\.\.?/) : null;
  const to = range ? range[1] || 'HEAD' : rev;
  const check = await runGit(root, ['rev-parse', '--verify', '--quiet', `${to}^{commit}`]).catch(() => null);
  if (!check?.stdout.trim()) throw new ContextdError('bad-rev', `cannot resolve ${to} in ${root}`, { hint: 'name a commit, a branch or a range A..B' });
  const diffs = range
    ? await gitDiff(root, ['diff', ...DIFF_OPTS, range[0], to, '--'])
    : await gitDiff(root, ['diff-tree', '-p', '--root', ...DIFF_OPTS, rev, '--']);
  const from = range ? range[0] : `${rev}^`;
  return { diffs, read: (p) => show(`${to}:${p}`), readOld: (p) => show(`${from}:${p}`), source: range ? `${range[0]}..${to}` : `commit ${rev}` };
}

/** A changed definition: where it is (the new side; the old side for a removed one) and the changed lines. */
export type ChangedDef = SymbolRow & { lines: [number, number]; deleted?: boolean };

async function removedDefinitions(
  d: FileDiff,
  readOld: (p: string) => Promise<string | null>,
  readNew: (p: string) => Promise<string | null>,
): Promise<ChangedDef[]> {
  const oldPath = d.oldPath!;
  const language = languageForPath(oldPath);
  if (!language) return [];
  const oldText = await readOld(oldPath);
  if (oldText === null) return [];
  const before = (await parseFile(oldPath, oldText, language)).symbols;
  const newText = d.newPath ? await readNew(d.newPath) : null;
  const after = newText === null ? [] : (await parseFile(d.newPath!, newText, language)).symbols;
  const still = new Set(after.map((s) => `${s.container ?? ''}.${s.name}`));
  const out: ChangedDef[] = [];
  for (const h of d.hunks) {
    if (!h.oldCount) continue;
    const start = h.oldStart;
    const end = h.oldStart + h.oldCount - 1;
    for (const s of before) {
      if (!DEFINITION_KINDS.has(s.kind) || s.startLine < start || s.endLine > end || still.has(`${s.container ?? ''}.${s.name}`)) continue;
      out.push({
        repoId: 0,
        path: oldPath,
        language,
        name: s.name,
        kind: s.kind,
        container: s.container,
        startLine: s.startLine,
        endLine: s.endLine,
        nameLine: s.nameLine,
        nameColumn: s.nameColumn,
        signature: s.signature,
        lines: [s.startLine, s.endLine],
        deleted: true,
      });
    }
  }
  return out;
}

export interface ImpactDeps {
  store: Pick<MetadataStore, 'coChange'> & ConstructorParameters<typeof GraphQueries>[0];
  repoId: number;
  root: string;
  maxCommitFiles: number;
}

/** The changed definitions of a change (innermost definition per changed line range). */
export async function changedDefinitions(root: string, spec: ChangeSpec): Promise<{ defs: ChangedDef[]; files: string[]; source: string }> {
  const { diffs, read, readOld, source } = await changes(root, spec);
  const defs: ChangedDef[] = [];
  const files: string[] = [];
  for (const d of diffs) {
    // Definitions the change removed (whole, on the old side, absent from the new one): their remaining callers break.
    if (d.oldPath && !d.binary && d.hunks.some((h) => h.oldCount > 0)) defs.push(...(await removedDefinitions(d, readOld, read)));
    const path = d.newPath;
    if (!path || d.binary || !d.hunks.length) continue;
    files.push(path);
    const language = languageForPath(path);
    if (!language) continue;
    const text = await read(path);
    if (text === null) continue;
    const parsed = await parseFile(path, text, language);
    const seen = new Set<string>();
    for (const h of d.hunks) {
      // A pure deletion (newCount 0) changes the definition around the line it left.
      const start = Math.max(1, h.newStart);
      const end = h.newCount ? h.newStart + h.newCount - 1 : start;
      const over = parsed.symbols
        .filter((s) => DEFINITION_KINDS.has(s.kind) && s.startLine <= end && start <= s.endLine)
        .sort((a, b) => a.endLine - a.startLine - (b.endLine - b.startLine));
      // The innermost definitions: those holding no other overlapping one.
      for (const s of over) {
        const inner = over.some((o) => o !== s && o.startLine >= s.startLine && o.endLine <= s.endLine && (o.startLine > s.startLine || o.endLine < s.endLine));
        if (inner) continue;
        const key = `${s.container ?? ''}.${s.name}:${s.startLine}`;
        if (seen.has(key)) continue;
        seen.add(key);
        defs.push({
          repoId: 0,
          path,
          language,
          name: s.name,
          kind: s.kind,
          container: s.container,
          startLine: s.startLine,
          endLine: s.endLine,
          nameLine: s.nameLine,
          nameColumn: s.nameColumn,
          signature: s.signature,
          lines: [start, end],
        });
      }
    }
  }
  return { defs, files, source };
}

export async function impactOf(deps: ImpactDeps, defs: ChangedDef[], files: string[], source: string, depth: number, min: number): Promise<ImpactReport> {
  const q = new GraphQueries(deps.store, deps.repoId);
  const callers = await q.callers(defs, depth, min);
  const tests = new Map<string, ImpactReport['tests'][number]>();
  for (const c of callers) {
    if (!isTestPath(c.path)) continue;
    const k = `${c.path}\0${c.symbol ?? ''}`;
    if (!tests.has(k)) tests.set(k, { path: c.path, symbol: c.symbol, confidence: c.confidence, depth: c.depth });
  }
  // A test that names a changed definition without calling it (a reference passed to a runner) reaches it too.
  for (const r of await q.refs(defs, { min })) {
    const k = `${r.path}\0${r.symbol ?? ''}`;
    if (isTestPath(r.path) && !tests.has(k)) tests.set(k, { path: r.path, symbol: r.symbol, confidence: r.confidence, depth: 1 });
  }
  const coChange: ImpactReport['coChange'] = [];
  for (const f of files.slice(0, 50)) {
    const counts = await deps.store.coChange(deps.repoId, [f], deps.maxCommitFiles);
    for (const p of counts.partners.slice(0, 10)) {
      if (files.includes(p.path)) continue;
      coChange.push({ path: p.path, with: f, commits: p.count, confidence: Math.round((p.count / Math.max(1, counts.commits)) * 100) / 100 });
    }
  }
  coChange.sort((a, b) => b.confidence - a.confidence || b.commits - a.commits || a.path.localeCompare(b.path));
  return {
    changed: defs.map((d) => ({ ...toDefinition(d), lines: d.lines, deleted: d.deleted === true })),
    callers,
    tests: [...tests.values()].sort((a, b) => a.depth - b.depth || b.confidence - a.confidence || a.path.localeCompare(b.path)),
    coChange: coChange.slice(0, 30),
    source,
  };
}

export { symbolPath };
