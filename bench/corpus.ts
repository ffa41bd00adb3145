/**
 * Benchmark corpora, built once under a cache dir: the Python standard library
 * (.py files, without its tests) committed into a git repository, and a clean
 * clone of this repository.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { tmpdir } from 'node:os';

export const BENCH_CACHE = process.env.CONTEXTD_BENCH_DIR ?? join(tmpdir(), 'contextd-bench');

/** The environment every bench repository is committed with: no user config, one author, a fixed date. */
export const benchGitEnv = (date = '2026-01-01T00:00:00Z'): NodeJS.ProcessEnv => ({
  ...process.env,
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_NAME: 'bench',
  GIT_AUTHOR_EMAIL: 'bench@example.com',
  GIT_COMMITTER_NAME: 'bench',
  GIT_COMMITTER_EMAIL: 'bench@example.com',
  GIT_AUTHOR_DATE: date,
  GIT_COMMITTER_DATE: date,
});
const gitEnv = benchGitEnv();

export function git(cwd: string, args: string[]): string {
  return execFileSync('git', args, { cwd, env: gitEnv, encoding: 'utf8', maxBuffer: 1 << 28 });
}

export function stdlibPath(): string {
  return execFileSync('python3', ['-c', "import sysconfig;print(sysconfig.get_paths()['stdlib'])"], { encoding: 'utf8' }).trim();
}

const SKIP_DIRS = new Set(['test', 'tests', 'idle_test', 'site-packages', '__pycache__']);

function copyPython(src: string, dest: string, root = src): void {
  for (const entry of readdirSync(src, { withFileTypes: true })) {
    const from = join(src, entry.name);
    if (entry.isDirectory()) {
      if (SKIP_DIRS.has(entry.name)) continue;
      copyPython(from, dest, root);
    } else if (entry.isFile() && entry.name.endsWith('.py')) {
      const to = join(dest, relative(root, from));
      mkdirSync(join(to, '..'), { recursive: true });
      cpSync(from, to);
    }
  }
}

/** The stdlib as a git repository with one commit. */
export function stdlibRepo(): string {
  const dir = join(BENCH_CACHE, 'stdlib');
  if (existsSync(join(dir, '.git'))) return dir;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  copyPython(stdlibPath(), dir);
  git(dir, ['init', '-q', '-b', 'main']);
  git(dir, ['add', '-A']);
  git(dir, ['commit', '-q', '-m', 'python stdlib']);
  return dir;
}

/** A clean clone of this repository's committed HEAD. */
export function selfRepo(): string {
  const dir = join(BENCH_CACHE, 'self');
  rmSync(dir, { recursive: true, force: true });
  git(process.cwd(), ['clone', '-q', '--no-hardlinks', process.cwd(), dir]);
  return dir;
}

export function treeBytes(dir: string): { files: number; bytes: number } {
  const out = git(dir, ['ls-files', '-z']);
  let files = 0;
  let bytes = 0;
  for (const p of out.split('\0')) {
    if (!p) continue;
    files++;
    bytes += statSync(join(dir, p)).size;
  }
  return { files, bytes };
}

/** Debian's JDK class library sources (src.zip), pinned; CONTEXTD_JDK_VERSION overrides when the archive moved on. */
export const JDK_SOURCE = { deb: 'openjdk-17-source', version: process.env.CONTEXTD_JDK_VERSION ?? '17.0.21.1+2-1~deb12u1' };

/**
 * The JDK class library as a git repository with one commit (issue 20's corpus: ~15k Java
 * files, ~200 MB), fetched through apt (`apt-get download` + `dpkg -x`, no install). With
 * `modules` (e.g. ['java.base']): only those modules, for iterating on a part of it.
 */
export function jdkRepo(modules: string[] = []): string {
  const name = modules.length ? `jdk-${modules.join('+')}` : 'jdk';
  const dir = join(BENCH_CACHE, name);
  if (existsSync(join(dir, '.git'))) return dir;
  const src = join(BENCH_CACHE, 'jdk-src', JDK_SOURCE.version.replace(/[^\w.+-]/g, '_'));
  if (!existsSync(join(src, '.done'))) {
    rmSync(src, { recursive: true, force: true });
    const dl = join(src, 'deb');
    mkdirSync(dl, { recursive: true });
    execFileSync('apt-get', ['download', `${JDK_SOURCE.deb}=${JDK_SOURCE.version}`], { cwd: dl, stdio: ['ignore', 'ignore', 'inherit'] });
    const deb = readdirSync(dl).find((f) => f.endsWith('.deb'))!;
    execFileSync('dpkg', ['-x', join(dl, deb), join(src, 'x')]);
    const zip = execFileSync('find', [join(src, 'x'), '-name', 'src.zip'], { encoding: 'utf8' })
      .trim()
      .split('\n')[0];
    execFileSync('unzip', ['-q', zip, '-d', join(src, 'tree')]);
    rmSync(join(src, 'x'), { recursive: true, force: true });
    writeFileSync(join(src, '.done'), '');
  }
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const tree = join(src, 'tree');
  for (const m of modules.length ? modules : readdirSync(tree)) cpSync(join(tree, m), join(dir, m), { recursive: true });
  git(dir, ['init', '-q', '-b', 'main']);
  git(dir, ['add', '-A']);
  git(dir, ['commit', '-q', '-m', `${JDK_SOURCE.deb} ${JDK_SOURCE.version}${modules.length ? ` (${modules.join(', ')})` : ''}`]);
  return dir;
}
