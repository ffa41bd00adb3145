/**
 * A repository with a long, realistic-shaped history for the history benchmark,
 * built in seconds with one `git fast-import`: real files (Python standard
 * library modules), then thousands of commits replayed on them.
 *
 * - files are imported in batches of 40 (the first commits);
 * - each later commit edits 1-6 files, mostly from one directory (so co-change
 *   exists), with line-level edits: changed lines, inserted blocks copied from
 *   other modules, deleted lines;
 * - 9 authors (two with non-ASCII names), dates advancing 1-16 h per commit;
 * - every 100 commits a feature branch of 3-5 commits merged with --no-ff;
 * - every 150 commits a file is renamed.
 * Deterministic (seeded PRNG): the same arguments give the same commit ids.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { stdlibPath } from './corpus.js';

const AUTHORS = [
  ['Alice Chen', 'alice@example.com'],
  ['Bob Okafor', 'bob@example.com'],
  ['Carol Diaz', 'carol@example.com'],
  ['José Núñez', 'jose@example.com'],
  ['Zoë Müller', 'zoe@example.com'],
  ['Dmitri Ivanov', 'dmitri@example.com'],
  ['Priya Raman', 'priya@example.com'],
  ['Kenji Sato', 'kenji@example.com'],
  ['Fatima Zahra', 'fatima@example.com'],
] as const;

const VERBS = ['Fix', 'Refactor', 'Simplify', 'Speed up', 'Document', 'Harden', 'Clean up', 'Rework', 'Handle errors in', 'Add tests for'];
const REASONS = [
  'avoid a race when two callers retry at once',
  'stop leaking file handles on timeout',
  'keep the old behaviour for callers that pass None',
  'the previous version ignored the encoding argument',
  'reported as slow on large inputs',
  'make the error message say which argument was wrong',
  'a deadlock seen under load',
];

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function listPython(root: string, max: number): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (out.length >= max) return;
      const p = join(dir, e.name);
      if (e.isDirectory()) {
        if (['test', 'tests', 'idle_test', 'site-packages', '__pycache__', 'lib2to3', 'ensurepip', 'pydoc_data'].includes(e.name)) continue;
        walk(p);
      } else if (e.isFile() && e.name.endsWith('.py') && statSync(p).size < 120_000) out.push(relative(root, p));
    }
  };
  walk(root);
  return out;
}

export interface ReplayOptions {
  files: number;
  commits: number;
  seed?: number;
}

/** Builds (or reuses) the replay repository under `dir`; returns its path. */
export function replayRepo(dir: string, opts: ReplayOptions): string {
  if (existsSync(join(dir, '.git'))) return dir;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const rand = rng(opts.seed ?? 7);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rand() * a.length)];
  const src = stdlibPath();
  const paths = listPython(src, opts.files);
  const content = new Map<string, string[]>();
  for (const p of paths) {
    const text = readFileSync(join(src, p), 'utf8');
    content.set(`lib/${p}`, text.split('\n'));
  }
  const byDir = new Map<string, string[]>();
  const dirOf = (p: string) => p.slice(0, p.lastIndexOf('/'));
  const reindexDirs = () => {
    byDir.clear();
    for (const p of content.keys()) byDir.set(dirOf(p), [...(byDir.get(dirOf(p)) ?? []), p]);
  };
  reindexDirs();

  const chunks: Buffer[] = [];
  const emit = (s: string | Buffer) => chunks.push(typeof s === 'string' ? Buffer.from(s, 'utf8') : s);
  const data = (s: string) => {
    const b = Buffer.from(s, 'utf8');
    emit(`data ${b.length}\n`);
    emit(b);
    emit('\n');
  };
  let mark = 0;
  let time = Date.parse('2021-01-04T09:00:00Z') / 1000;
  let mainTip = 0;
  const commit = (ref: string, message: string, ops: string[], parents: { from?: number; merge?: number } = {}): number => {
    const [name, email] = pick(AUTHORS);
    time += Math.floor(3600 + rand() * 15 * 3600);
    mark++;
    emit(`commit ${ref}\nmark :${mark}\n`);
    emit(`author ${name} <${email}> ${time} +0000\ncommitter ${name} <${email}> ${time} +0000\n`);
    data(message);
    if (parents.from) emit(`from :${parents.from}\n`);
    if (parents.merge) emit(`merge :${parents.merge}\n`);
    for (const op of ops) emit(op);
    emit('\n');
    return mark;
  };
  const put = (path: string, lines: string[]): string => {
    const b = Buffer.from(lines.join('\n'), 'utf8');
    return `M 100644 inline ${path}\ndata ${b.length}\n${b.toString('utf8')}\n`;
  };

  // 1. Import the files in batches.
  const all = [...content.keys()];
  for (let i = 0; i < all.length; i += 40) {
    const batch = all.slice(i, i + 40);
    mainTip = commit(
      'refs/heads/main',
      `Import ${dirOf(batch[0]) || 'lib'} and neighbours (${batch.length} modules)`,
      batch.map((p) => put(p, content.get(p)!)),
      mainTip ? { from: mainTip } : {},
    );
  }

  const words = (lines: string[]): string[] => {
    const ids = lines.join(' ').match(/\b[a-z_][a-z0-9_]{3,}\b/g) ?? [];
    return ids.length ? ids : ['module'];
  };
  const edit = (lines: string[]): string[] => {
    const out = [...lines];
    const ops = 1 + Math.floor(rand() * 3);
    for (let k = 0; k < ops; k++) {
      const at = Math.floor(rand() * Math.max(1, out.length));
      const r = rand();
      if (r < 0.45 && out.length) {
        // change 1-4 lines in place
        for (let j = 0; j < 1 + Math.floor(rand() * 4) && at + j < out.length; j++) out[at + j] = out[at + j].replace(/\s*$/, '') + `  # rev ${mark}`;
      } else if (r < 0.8) {
        // insert a block copied from another module
        const donor = content.get(pick(all)) ?? [];
        const from = Math.floor(rand() * Math.max(1, donor.length - 10));
        out.splice(at, 0, ...donor.slice(from, from + 2 + Math.floor(rand() * 9)).map((l) => `# ${l}`));
      } else if (out.length > 20) {
        out.splice(at, 1 + Math.floor(rand() * 4));
      }
    }
    return out;
  };

  // 2. Replay commits; feature branches merged now and then; renames.
  let feature: { tip: number; files: Set<string>; left: number; name: string } | null = null;
  for (let n = 0; n < opts.commits; n++) {
    if (feature && feature.left === 0) {
      const ops = [...feature.files].map((p) => put(p, content.get(p)!));
      mainTip = commit('refs/heads/main', `Merge branch '${feature.name}'`, ops, { from: mainTip, merge: feature.tip });
      feature = null;
      continue;
    }
    if (!feature && n % 100 === 50) {
      feature = { tip: mainTip, files: new Set(), left: 3 + Math.floor(rand() * 3), name: `feature/f${n}` };
    }
    if (n % 150 === 149 && !feature) {
      const from = pick(all);
      const to = from.replace(/\.py$/, '_impl.py');
      if (!content.has(to)) {
        content.set(to, content.get(from)!);
        content.delete(from);
        all.splice(all.indexOf(from), 1, to);
        reindexDirs();
        mainTip = commit('refs/heads/main', `Rename ${from.split('/').pop()} to ${to.split('/').pop()}`, [`R ${from} ${to}\n`], { from: mainTip });
        continue;
      }
    }
    const group = rand() < 0.7 ? byDir.get(dirOf(pick(all)))! : all;
    const count = 1 + Math.floor(rand() * Math.min(6, group.length));
    const files = new Set<string>();
    while (files.size < count) {
      files.add(pick(group));
    }
    const target = [...files];
    const w = words(content.get(target[0])!);
    const subject = `${pick(VERBS)} ${pick(w)} in ${target[0].split('/').pop()!.replace(/\.py$/, '')}`;
    const message = rand() < 0.4 ? `${subject}\n\nThis is to ${pick(REASONS)}.\n` : `${subject}\n`;
    const ops: string[] = [];
    for (const f of target) {
      const next = edit(content.get(f)!);
      content.set(f, next);
      ops.push(put(f, next));
    }
    if (feature) {
      // branch work: its files are only touched on the branch until it merges
      for (const f of target) feature.files.add(f);
      feature.tip = commit(`refs/heads/${feature.name}`, message, ops, { from: feature.tip });
      feature.left--;
    } else {
      mainTip = commit('refs/heads/main', message, ops, { from: mainTip });
    }
  }
  const env = { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' };
  execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: dir, env });
  execFileSync('git', ['fast-import', '--quiet'], { cwd: dir, env, input: Buffer.concat(chunks), maxBuffer: 1 << 30 });
  execFileSync('git', ['checkout', '-q', '-f', 'main'], { cwd: dir, env });
  return dir;
}
