/**
 * Fetches the pinned training corpus (packages.json) into the download cache
 * (CONTEXTD_TRAIN_CACHE, default ~/.cache/contextd-train), through the two
 * registries this machine reaches: Debian (`apt-get download NAME=VERSION`,
 * unpacked with `dpkg -x`) and npm (`npm pack NAME@VERSION`, untarred). Also
 * fetches the held-out projects' own packages (denySources), which are only
 * hashed into the deny list. Idempotent: a package already unpacked is skipped.
 *
 *   node --import tsx daemon/embed/train/fetch.ts
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { checkPinnedList, loadHeldout, type PinnedPackage } from './heldout.js';

export const CACHE = process.env.CONTEXTD_TRAIN_CACHE ?? join(homedir(), '.cache', 'contextd-train');
export const PACKAGES_JSON = join(import.meta.dirname, 'packages.json');

export interface PackageList {
  packages: PinnedPackage[];
  denySources: { packages: PinnedPackage[] };
}

export function loadPackageList(path = PACKAGES_JSON): PackageList {
  return JSON.parse(readFileSync(path, 'utf8')) as PackageList;
}

/** Where a package is unpacked. */
export function srcDir(p: PinnedPackage): string {
  return join(CACHE, 'src', `${p.registry}-${p.name.replace(/[/@]/g, '_')}-${p.version.replace(/[:~]/g, '_')}`);
}

function fetchDebian(pkgs: PinnedPackage[]): void {
  const debs = join(CACHE, 'debs');
  mkdirSync(debs, { recursive: true });
  const todo = pkgs.filter((p) => !existsSync(join(srcDir(p), '.done')));
  const have = new Set(readdirSync(debs));
  const debFile = (p: PinnedPackage) =>
    readdirSync(debs).find((f) => f.startsWith(`${p.name}_`) && f.includes(p.version.replace(/^\d+:/, '').replace(/:/g, '%3a')));
  const missing = todo.filter((p) => !debFile(p));
  // One apt-get call for many packages; fall back to one by one to name a failing one.
  for (let i = 0; i < missing.length; i += 40) {
    const batch = missing.slice(i, i + 40);
    try {
      execFileSync('apt-get', ['download', '-q', ...batch.map((p) => `${p.name}=${p.version}`)], { cwd: debs, stdio: ['ignore', 'ignore', 'pipe'] });
    } catch {
      for (const p of batch) {
        try {
          execFileSync('apt-get', ['download', '-q', `${p.name}=${p.version}`], { cwd: debs, stdio: ['ignore', 'ignore', 'pipe'] });
        } catch (err) {
          throw new Error(`apt-get download ${p.name}=${p.version} failed: ${(err as { stderr?: Buffer }).stderr?.toString() ?? err}`, { cause: err });
        }
      }
    }
  }
  void have;
  for (const p of todo) {
    const f = debFile(p);
    if (!f) throw new Error(`no .deb for ${p.name}=${p.version} after download`);
    const dir = srcDir(p);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    execFileSync('dpkg', ['-x', join(debs, f), dir]);
    writeFileSync(join(dir, '.done'), f + '\n');
  }
}

function fetchNpm(pkgs: PinnedPackage[]): void {
  const tgz = join(CACHE, 'npm');
  mkdirSync(tgz, { recursive: true });
  for (const p of pkgs) {
    const dir = srcDir(p);
    if (existsSync(join(dir, '.done'))) continue;
    const out = execFileSync('npm', ['pack', `${p.name}@${p.version}`, '--silent', '--pack-destination', tgz], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    })
      .trim()
      .split('\n')
      .pop()!;
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    execFileSync('tar', ['-xzf', join(tgz, out), '-C', dir, '--no-same-owner']);
    writeFileSync(join(dir, '.done'), out + '\n');
  }
}

/** The JDK's src.zip is unpacked once (modules are filtered at extraction). */
function unpackJdk(p: PinnedPackage): void {
  const dir = srcDir(p);
  const zipDir = join(dir, 'src');
  if (existsSync(join(zipDir, '.done'))) return;
  const zip = execFileSync('find', [dir, '-name', 'src.zip'], { encoding: 'utf8' }).trim().split('\n')[0];
  if (!zip) throw new Error(`no src.zip in ${p.name}`);
  rmSync(zipDir, { recursive: true, force: true });
  mkdirSync(zipDir + '.tmp', { recursive: true });
  execFileSync('python3', ['-c', 'import sys,zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])', zip, zipDir + '.tmp']);
  renameSync(zipDir + '.tmp', zipDir);
  writeFileSync(join(zipDir, '.done'), 'ok\n');
}

export function fetchAll(): void {
  const list = loadPackageList();
  checkPinnedList(loadHeldout(), list.packages);
  const all = [...list.packages, ...list.denySources.packages];
  const t0 = Date.now();
  fetchDebian(all.filter((p) => p.registry === 'debian'));
  fetchNpm(all.filter((p) => p.registry === 'npm'));
  for (const p of list.packages) if (p.name === 'openjdk-17-source') unpackJdk(p);
  console.log(`fetch: ${all.length} packages in ${CACHE} (${Math.round((Date.now() - t0) / 1000)} s)`);
}

if (import.meta.url === `file://${process.argv[1]}`) fetchAll();
