/**
 * Built-in path rules: decide from a repo-relative path alone (no I/O) whether
 * a file is vendored, generated, or likely a secret. Paths use forward
 * slashes. Matching is case-sensitive, like git on Linux.
 *
 * The lists are deliberately conservative. `dist/` and `build/` are NOT
 * skipped: in many repositories they hold real source. Users exclude them with
 * `exclude` globs when they are build output.
 */
import type { SkipReason } from './skip-reasons.js';

/**
 * Directory names whose whole subtree is third-party code, wherever they
 * appear in the path.
 */
export const VENDORED_DIRS: readonly string[] = [
  'node_modules', // npm/yarn/pnpm
  'bower_components',
  'jspm_packages',
  '.yarn', // yarn berry cache, releases, plugins
  '.pnpm-store',
  'vendor', // Go modules, PHP composer, Ruby bundler
  'third_party',
  'third-party',
  'Pods', // CocoaPods
  'Carthage',
  '.bundle', // Ruby bundler install path
  'site-packages', // a committed Python environment
  '.venv',
  'venv',
];

/** Exact file names of lockfiles and other tool-written files. */
export const GENERATED_NAMES: readonly string[] = [
  'package-lock.json',
  'npm-shrinkwrap.json',
  'yarn.lock',
  'pnpm-lock.yaml',
  'bun.lockb',
  'bun.lock',
  'deno.lock',
  'Cargo.lock',
  'poetry.lock',
  'Pipfile.lock',
  'uv.lock',
  'pdm.lock',
  'composer.lock',
  'Gemfile.lock',
  'go.sum',
  'go.work.sum',
  'mix.lock',
  'pubspec.lock',
  'Podfile.lock',
  'Package.resolved',
  'flake.lock',
  'packages.lock.json', // NuGet
  'gradle.lockfile',
];

/** File-name suffixes of generated output. */
export const GENERATED_SUFFIXES: readonly string[] = [
  '.min.js',
  '.min.mjs',
  '.min.css',
  '.map', // source maps (x.js.map, x.css.map)
  '_pb2.py', // protobuf (Python)
  '_pb2_grpc.py',
  '_pb2.pyi',
  '.pb.go', // protobuf (Go)
  '.pb.cc', // protobuf (C++)
  '.pb.h',
  '.pb.ts',
  '_pb.js',
  '_pb.d.ts',
  '_grpc_pb.js',
];

/**
 * Secret files by name. A pattern is one of: an exact base name, `prefix*`,
 * `*suffix`, or a `dir/name` tail (matched at the end of the path). Public templates of env files are allowed
 * (`SECRET_ENV_TEMPLATES`).
 *
 * Deliberate narrowing: `credentials*` only matches data files (no extension
 * or a config/data extension), so source modules such as `credentials.py`
 * or `credentials.ts` (common in auth libraries) are still indexed.
 */
export const SECRET_NAMES: readonly string[] = [
  '.env', // and `.env.*`, see isSecretPath
  '*.pem',
  '*.key',
  '*.p12',
  '*.pfx',
  '*.jks',
  '*.keystore',
  '*.kdbx',
  '*.tfstate', // terraform state embeds provider credentials
  '*.tfstate.backup',
  'id_rsa*',
  'id_dsa*',
  'id_ecdsa*',
  'id_ed25519*',
  '.npmrc',
  '.pypirc',
  '.netrc',
  '_netrc',
  '.pgpass',
  '.htpasswd',
  '.git-credentials',
  '.dockercfg',
  '.docker/config.json',
  '.aws/credentials',
  'credentials', // plus credentials.<data ext>, see isSecretPath
  '*credentials.json',
  '*.credentials',
  'secrets.yml',
  'secrets.yaml',
  'secrets.json',
  'secrets.toml',
];

/** `.env.*` files that are committed on purpose as documentation. */
export const SECRET_ENV_TEMPLATES: readonly string[] = ['.env.example', '.env.sample', '.env.template'];

const CREDENTIALS_DATA_EXT = /^credentials(?:[._-][^/]*)?\.(?:json|ya?ml|xml|ini|cfg|conf|csv|txt|properties|toml)$/;

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/*
 * The lists above are compiled once into a few regular expressions and sets:
 * these rules run for every file of every scan (100k times on a large
 * repository), where looping over ~30 patterns per path was measurable.
 */
const VENDORED_RE = new RegExp(`(?:^|/)(?:${VENDORED_DIRS.map(escapeRe).join('|')})/`);
const GENERATED_NAME_SET = new Set(GENERATED_NAMES);
const GENERATED_SUFFIX_RE = new RegExp(`(?:${GENERATED_SUFFIXES.map(escapeRe).join('|')})$`);
const SECRET_EXACT = new Set(SECRET_NAMES.filter((n) => !n.includes('*') && !n.includes('/')));
const SECRET_TAILS = SECRET_NAMES.filter((n) => n.includes('/'));
const SECRET_AFFIX_RE = new RegExp(
  SECRET_NAMES.filter((n) => n.includes('*'))
    .map((n) => (n.startsWith('*') ? `${escapeRe(n.slice(1))}$` : `^${escapeRe(n.slice(0, -1))}`))
    .join('|'),
);
const ENV_TEMPLATES = new Set(SECRET_ENV_TEMPLATES);

function baseName(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

/** True when a directory of the path (not the file itself) is a vendored directory. */
export function isVendoredPath(p: string): boolean {
  return VENDORED_RE.test(p);
}

export function isGeneratedPath(p: string): boolean {
  const base = baseName(p);
  return GENERATED_NAME_SET.has(base) || GENERATED_SUFFIX_RE.test(base);
}

export function isSecretPath(p: string): boolean {
  const base = baseName(p);
  if (base.startsWith('.env.')) return !ENV_TEMPLATES.has(base);
  if (SECRET_EXACT.has(base) || SECRET_AFFIX_RE.test(base) || CREDENTIALS_DATA_EXT.test(base)) return true;
  return SECRET_TAILS.some((tail) => p === tail || p.endsWith('/' + tail));
}

/**
 * The built-in path reason for a file, or null. Order matters when several
 * apply: vendored first (a vendored package's `.env` is third-party), then
 * secret (flagged even if it also looks generated), then generated.
 */
export function classifyPath(p: string): Extract<SkipReason, 'vendored' | 'secret' | 'generated'> | null {
  if (isVendoredPath(p)) return 'vendored';
  if (isSecretPath(p)) return 'secret';
  if (isGeneratedPath(p)) return 'generated';
  return null;
}
