/** The package's version and root directory (works from daemon/ under tsx and from dist/daemon/). */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

function findPackage(): { root: string; version: string } {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'contextd' && pkg.version) return { root: dir, version: pkg.version };
    } catch {
      // not here; look one level up
    }
    dir = dirname(dir);
  }
  return { root: dirname(dirname(fileURLToPath(import.meta.url))), version: '0.0.0' };
}

const pkg = findPackage();
export const VERSION = pkg.version;
/** Directory holding package.json, hooks/, systemd/, launchd/, dist/. */
export const PACKAGE_ROOT = pkg.root;
/** The compiled CLI entry point, what services and hooks run. */
export const CLI_SCRIPT = join(PACKAGE_ROOT, 'dist', 'daemon', 'cli', 'main.js');
