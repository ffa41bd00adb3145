/**
 * Builds the change-localization sets of locate-sets.json from the npm registry:
 * every pinned version is fetched with `npm pack NAME@VERSION`, and a git repository
 * gets one commit per version (semver order, author date = publish time, the tree =
 * the package's files under `include`), its message the version's changelog entry
 * (from the newest shipped CHANGELOG.md / History.md / HISTORY.md). The repository is
 * then cloned at `indexAt` (only that history: later commits are not in the clone),
 * and the entries of later versions become queries whose target is the set of source
 * files that version changed (existing at `indexAt`).
 *
 *   node --import tsx bench/quality/make-locate-sets.ts [--only NAME,NAME]
 *
 * Cached under BENCH_CACHE/locate-src (tarballs) and BENCH_CACHE/locate-sets/NAME
 * (rebuilt when the set's definition or BUILDER_VERSION changes).
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { BENCH_CACHE } from '../corpus.js';

export const BUILDER_VERSION = 3;

export interface LocateSetSpec {
  name: string;
  language: 'javascript' | 'typescript';
  split: 'dev' | 'report';
  npm: string;
  include: string[];
  indexAt: string;
  versions: string[];
}
export interface LocateSpecFile {
  maxQueryBullets: number;
  maxTargets: number;
  sets: LocateSetSpec[];
}
export interface LocateQuery {
  version: string;
  query: string;
  targets: string[];
}
export interface BuiltLocateSet {
  spec: LocateSetSpec;
  /** The repository at `indexAt` (history up to it only). */
  repo: string;
  queries: LocateQuery[];
  /** Commits in the indexed repository. */
  commits: number;
}

const HERE = dirname(new URL(import.meta.url).pathname);
export const SPEC_PATH = join(HERE, 'locate-sets.json');

export function loadLocateSpecs(): LocateSpecFile {
  return JSON.parse(readFileSync(SPEC_PATH, 'utf8')) as LocateSpecFile;
}

const gitEnv = (date: string): NodeJS.ProcessEnv => ({
  ...process.env,
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_NAME: 'npm release',
  GIT_AUTHOR_EMAIL: 'release@npm.invalid',
  GIT_COMMITTER_NAME: 'npm release',
  GIT_COMMITTER_EMAIL: 'release@npm.invalid',
  GIT_AUTHOR_DATE: date,
  GIT_COMMITTER_DATE: date,
});

function git(cwd: string, args: string[], date = '2020-01-01T00:00:00Z', input?: string): string {
  return execFileSync('git', args, { cwd, env: gitEnv(date), encoding: 'utf8', maxBuffer: 1 << 28, input });
}

/** `npm pack` once per version; returns the unpacked package dir. */
function fetchVersion(pkg: string, version: string): string {
  const base = join(BENCH_CACHE, 'locate-src', `${pkg}@${version}`);
  const dir = join(base, 'package');
  if (existsSync(join(base, '.done'))) return dir;
  rmSync(base, { recursive: true, force: true });
  mkdirSync(base, { recursive: true });
  const out = execFileSync('npm', ['pack', '--silent', `${pkg}@${version}`], { cwd: base, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  const tgz = out.split('\n').pop()!;
  execFileSync('tar', ['-xzf', join(base, tgz), '-C', base]);
  // Some old tarballs unpack to a directory other than package/.
  if (!existsSync(dir)) {
    const top = readdirSync(base, { withFileTypes: true }).find((e) => e.isDirectory());
    if (top) cpSync(join(base, top.name), dir, { recursive: true });
  }
  rmSync(join(base, tgz), { force: true });
  writeFileSync(join(base, '.done'), '');
  return dir;
}

function publishTimes(pkg: string): Record<string, string> {
  const cache = join(BENCH_CACHE, 'locate-src', `${pkg}.time.json`);
  if (!existsSync(cache)) {
    mkdirSync(dirname(cache), { recursive: true });
    writeFileSync(cache, execFileSync('npm', ['view', pkg, 'time', '--json'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
  }
  return JSON.parse(readFileSync(cache, 'utf8')) as Record<string, string>;
}

function listFiles(dir: string, root = dir): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...listFiles(p, root));
    else if (e.isFile()) out.push(relative(root, p).split('\\').join('/'));
  }
  return out;
}

const SOURCE_RE = /\.(js|mjs|cjs|ts|tsx)$/;
function included(spec: LocateSetSpec, path: string): boolean {
  return SOURCE_RE.test(path) && !/\.d\.[cm]?ts$/.test(path) && spec.include.some((p) => (p.endsWith('/') ? path.startsWith(p) : path === p));
}

const CHANGELOG_RE = /^(changelog|history)\.md$/i;
const VERSION_HEAD = /^(?:#{1,4}\s*)?\[?v?(\d+\.\d+\.\d+)\]?(?:\(|\s|\/|$|-)/;

/** Per-version entries of a changelog: `## 1.2.3`, `# [1.2.3](…) (date)`, `1.2.3 / date` + `===`. */
export function parseChangelog(text: string): Map<string, string> {
  const lines = text.split(/\r?\n/);
  const heads: { at: number; version: string; skip: number }[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const m = VERSION_HEAD.exec(line.trim());
    if (!m) continue;
    const setext = /^[=-]{3,}\s*$/.test(lines[i + 1] ?? '');
    if (line.trim().startsWith('#') || setext) heads.push({ at: i, version: m[1], skip: setext ? 2 : 1 });
  }
  const out = new Map<string, string>();
  heads.forEach((h, k) => {
    const end = k + 1 < heads.length ? heads[k + 1].at : lines.length;
    if (!out.has(h.version)) out.set(h.version, lines.slice(h.at + h.skip, end).join('\n'));
  });
  return out;
}

/** Bullet lines of an entry, cleaned of links, commit and PR references and credits; dependency bumps dropped. */
export function entryBullets(entry: string): string[] {
  const bullets: string[] = [];
  for (const raw of entry.split('\n')) {
    const line = raw.trim();
    if (!line || /^#/.test(line) || /^[=-]{3,}$/.test(line) || /^\*\*[^*]+\*\*:?$/.test(line)) continue;
    const bullet = /^([*+-]|\d+\.)\s+/.test(line);
    let t = line.replace(/^([*+-]|\d+\.)\s+/, '');
    t = t
      .replace(/\(\[[0-9a-f]{7,40}\]\([^)]*\)\)/g, '')
      .replace(/\[`?[0-9a-f]{7,40}`?\]\([^)]*\)/g, '')
      .replace(/\[#?\d+\]\([^)]*\)/g, '')
      .replace(/Thanks \[@[^\]]+\]\([^)]*\)!?\s*-?/g, '')
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .replace(/\(#\d+\)|#\d+|closes?\s+#?\d*|, closes/gi, '')
      .replace(/[`*]/g, '')
      .replace(/\s+/g, ' ')
      .trim()
      .replace(/^[-:,\s]+/, '');
    if (!t) continue;
    if (/^(deps|dependencies|devDependencies|chore\(deps|build\(deps|bump)\b/i.test(t) || /^deps:/i.test(t)) continue;
    if (bullet || bullets.length === 0) bullets.push(t);
    else bullets[bullets.length - 1] += ` ${t}`;
  }
  return bullets;
}

/**
 * A file whose every changed line holds the old or the new version number (axios's
 * lib/env/data.js `VERSION = "1.4.1"`): a release stamp, not a change the entry describes.
 */
function versionStampOnly(work: string, a: string, b: string, path: string, from: string, to: string): boolean {
  const lines = git(work, ['diff', '-U0', a, b, '--', path])
    .split('\n')
    .filter((l) => /^[+-]/.test(l) && !/^(\+\+\+|---) /.test(l));
  return lines.length > 0 && lines.every((l) => l.includes(from) || l.includes(to));
}

function hashSpec(spec: LocateSetSpec, file: LocateSpecFile): string {
  return createHash('sha1')
    .update(JSON.stringify([BUILDER_VERSION, spec, file.maxQueryBullets, file.maxTargets]))
    .digest('hex')
    .slice(0, 12);
}

export function buildLocateSet(spec: LocateSetSpec, file: LocateSpecFile, log: (m: string) => void = () => {}): BuiltLocateSet {
  const out = join(BENCH_CACHE, 'locate-sets', spec.name);
  const meta = join(out, 'set.json');
  const key = hashSpec(spec, file);
  if (existsSync(meta)) {
    const built = JSON.parse(readFileSync(meta, 'utf8')) as BuiltLocateSet & { key: string };
    if (built.key === key) return { spec, repo: built.repo, queries: built.queries, commits: built.commits };
  }
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const times = publishTimes(spec.npm);
  const dirs = spec.versions.map((v, i) => {
    log(`${spec.name}: fetch ${v} (${i + 1}/${spec.versions.length})`);
    return fetchVersion(spec.npm, v);
  });
  // Each version's entry from the newest shipped changelog that has it (packages rename
  // History.md to CHANGELOG.md, or stop shipping one).
  const entries = new Map<string, string>();
  for (let i = dirs.length - 1; i >= 0; i--) {
    for (const name of readdirSync(dirs[i]).filter((f) => CHANGELOG_RE.test(f))) {
      for (const [v, e] of parseChangelog(readFileSync(join(dirs[i], name), 'utf8'))) if (!entries.has(v)) entries.set(v, e);
    }
  }
  const work = join(out, 'work');
  mkdirSync(work);
  git(work, ['init', '-q', '-b', 'main']);
  const shas: string[] = [];
  const bulletsOf: string[][] = [];
  let last = 0;
  spec.versions.forEach((v, i) => {
    for (const f of git(work, ['ls-files', '-z']).split('\0').filter(Boolean)) rmSync(join(work, f), { force: true });
    for (const f of listFiles(dirs[i]).filter((p) => included(spec, p))) {
      mkdirSync(dirname(join(work, f)), { recursive: true });
      cpSync(join(dirs[i], f), join(work, f));
    }
    git(work, ['add', '-A']);
    // Dates strictly increase (some versions were published out of order).
    const t = Math.max(last + 60, Math.floor(Date.parse(times[v] ?? '2015-01-01T00:00:00Z') / 1000));
    last = t;
    const bullets = entryBullets(entries.get(v) ?? '');
    bulletsOf.push(bullets);
    const subject = bullets[0] ?? `Release ${v}`;
    const body = [...bullets.slice(1).map((b) => `* ${b}`), '', `Release ${v}`].join('\n').trim();
    git(work, ['commit', '-q', '--allow-empty', '-F', '-'], new Date(t * 1000).toISOString(), `${subject}\n\n${body}\n`);
    git(work, ['tag', `v${v}`]);
    shas.push(git(work, ['rev-parse', 'HEAD']).trim());
  });
  const at = spec.versions.indexOf(spec.indexAt);
  if (at < 0) throw new Error(`${spec.name}: indexAt ${spec.indexAt} is not a pinned version`);
  const repo = join(out, 'repo');
  git(out, ['clone', '-q', '--no-tags', '--single-branch', '--branch', `v${spec.indexAt}`, `file://${work}`, repo]);
  const present = new Set(git(repo, ['ls-files', '-z']).split('\0').filter(Boolean));
  const queries: LocateQuery[] = [];
  for (let i = at + 1; i < spec.versions.length; i++) {
    const bullets = bulletsOf[i];
    if (bullets.length === 0 || bullets.length > file.maxQueryBullets) continue;
    const changed = git(work, ['diff', '--name-only', '-z', shas[i - 1], shas[i]])
      .split('\0')
      .filter((p) => p && present.has(p) && !versionStampOnly(work, shas[i - 1], shas[i], p, spec.versions[i - 1], spec.versions[i]));
    if (changed.length === 0 || changed.length > file.maxTargets) continue;
    queries.push({ version: spec.versions[i], query: bullets.join('\n'), targets: changed.sort() });
  }
  const built: BuiltLocateSet = { spec, repo, queries, commits: at + 1 };
  writeFileSync(meta, JSON.stringify({ ...built, key }, null, 1));
  return built;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const file = loadLocateSpecs();
  const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1].split(',') : null;
  for (const spec of file.sets.filter((s) => !only || only.includes(s.name))) {
    const b = buildLocateSet(spec, file, (m) => process.stderr.write(`${m}\n`));
    console.log(`${spec.name} (${spec.split}, ${spec.language}): ${b.commits} commits indexed, ${b.queries.length} queries, repo ${b.repo}`);
  }
}
