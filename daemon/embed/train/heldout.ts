/**
 * The held-out rules of the training corpus (bench/quality/heldout.json): which
 * packages, paths and function bodies must never be trained on. Used twice:
 * to refuse a pinned package list that names a held-out package, to drop
 * vendored copies while extracting, and to verify the finished corpus (the
 * pipeline fails if anything held out is left).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface HeldoutSpec {
  reserved: string[];
  excludeFromCorpus: {
    debianPackages: string[];
    npmPackages: string[];
    goModulePaths: string[];
    jdkModules: string[];
  };
}

export interface PinnedPackage {
  registry: 'debian' | 'npm';
  name: string;
  version: string;
  language?: string;
  license?: string;
}

export const HELDOUT_JSON = join(import.meta.dirname, '..', '..', '..', 'bench', 'quality', 'heldout.json');

export function loadHeldout(path = HELDOUT_JSON): HeldoutSpec {
  return JSON.parse(readFileSync(path, 'utf8')) as HeldoutSpec;
}

export class HeldoutViolation extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HeldoutViolation';
  }
}

/** Debian/npm names a reserved project is published under (python3-flask, @hapi/hapi, lodash.merge, ...). */
function reservedPackageName(spec: HeldoutSpec, registry: string, name: string): string | null {
  const n = name.toLowerCase();
  const ex = spec.excludeFromCorpus;
  if (registry === 'debian' && ex.debianPackages.includes(n)) return n;
  if (registry === 'npm' && ex.npmPackages.includes(n)) return n;
  for (const r of spec.reserved) {
    if (registry === 'debian' && (n === `python3-${r}` || n === `node-${r}` || n === `lib${r}-java`)) return r;
    if (registry === 'npm' && (n === r || n === `@${r}/${r}` || n.startsWith(`${r}.`) || n.startsWith(`${r}-`) || n.startsWith(`@${r}/`))) return r;
  }
  for (const m of ex.goModulePaths) {
    // golang-github-gin-gonic-gin-dev <-> github.com/gin-gonic/gin
    const deb =
      'golang-' +
      m
        .replace(/\.com\//, '-')
        .replace(/[/.]/g, '-')
        .toLowerCase() +
      '-dev';
    if (registry === 'debian' && n === deb) return m;
  }
  return null;
}

/** Throws when the pinned list names a held-out package. */
export function checkPinnedList(spec: HeldoutSpec, pkgs: PinnedPackage[]): void {
  const bad = pkgs.map((p) => [p, reservedPackageName(spec, p.registry, p.name)] as const).filter(([, r]) => r);
  if (bad.length)
    throw new HeldoutViolation(`the pinned corpus list names held-out packages: ${bad.map(([p, r]) => `${p.registry}:${p.name} (${r})`).join(', ')}`);
}

const VENDOR_DIRS = new Set(['_vendor', 'vendor', 'vendored', 'node_modules', 'third_party', 'thirdparty', 'extern', 'externals', 'bundled', '_vendored']);

/**
 * Why a file (path inside its package) belongs to a held-out project, or null:
 * a vendored copy (`pip/_vendor/requests/...`, `x/vendor/github.com/gin-gonic/gin/...`,
 * `node_modules/lodash/...`), a held-out Go module path, or a held-out JDK module.
 */
export function heldoutPathReason(spec: HeldoutSpec, path: string): string | null {
  const p = path.replace(/\\/g, '/').toLowerCase();
  const segs = p.split('/');
  const reserved = new Set([...spec.reserved, ...spec.excludeFromCorpus.npmPackages, 'boltons']);
  for (let i = 0; i < segs.length - 1; i++) {
    if (!VENDOR_DIRS.has(segs[i])) continue;
    const next = segs[i + 1].replace(/\.py$/, '');
    if (reserved.has(next)) return `vendored copy of ${next} (${segs.slice(0, i + 2).join('/')})`;
  }
  for (const m of spec.excludeFromCorpus.goModulePaths) {
    const ml = m.toLowerCase();
    if (p.startsWith(ml + '/') || p.includes('/' + ml + '/')) return `held-out Go module ${m}`;
  }
  for (const m of spec.excludeFromCorpus.jdkModules) {
    if (p.startsWith(m.toLowerCase() + '/') || p.includes('/' + m.toLowerCase() + '/')) return `held-out JDK module ${m}`;
  }
  return null;
}

/** The normalized form of a function body used for exact dedup and the hash deny list. */
export function bodyKey(code: string): string {
  return createHash('sha1').update(code.replace(/\s+/g, '')).digest('hex').slice(0, 16);
}

export interface CorpusFileRecord {
  package: string;
  path: string;
}

/**
 * The final check of a finished corpus: throws unless no file is of a held-out
 * package or path, and no body hash is on the deny list.
 */
export function verifyCorpus(
  spec: HeldoutSpec,
  files: Iterable<CorpusFileRecord & { registry: string }>,
  bodyHashes: Iterable<string>,
  deny: ReadonlySet<string>,
): void {
  const problems: string[] = [];
  for (const f of files) {
    const r = reservedPackageName(spec, f.registry, f.package) ?? heldoutPathReason(spec, f.path);
    if (r) problems.push(`${f.registry}:${f.package} ${f.path}: ${r}`);
    if (problems.length > 20) break;
  }
  let n = 0;
  for (const h of bodyHashes) {
    if (deny.has(h)) {
      n++;
      if (n <= 5) problems.push(`a function body with hash ${h} matches a held-out project`);
    }
  }
  if (n > 5) problems.push(`... ${n} bodies in all match held-out projects`);
  if (problems.length) throw new HeldoutViolation(`held-out code in the corpus:\n  ${problems.join('\n  ')}`);
}
