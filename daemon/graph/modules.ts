/**
 * Where an import points inside a repository: a module as written (`./util`, `..pkg.mod`,
 * `a/b/c`, `java.util`, `crate::x`) from one file -> whether it is a given file. The answer
 * is three-valued: `yes`, `no` (it names another file of the repository) or `unknown` (an
 * external package, or a spelling we cannot follow), so the resolver can say how sure it is.
 */
import { posix } from 'node:path';

export type ModuleMatch = 'yes' | 'no' | 'unknown';

/** The family a language's names can reach across (JavaScript reaches TypeScript and back). */
export function familyOf(language: string): string {
  switch (language) {
    case 'javascript':
    case 'jsx':
    case 'typescript':
    case 'tsx':
      return 'ecma';
    case 'c':
    case 'cpp':
      return 'c';
    default:
      return language;
  }
}

const ECMA_EXT = ['', '.ts', '.tsx', '.d.ts', '.js', '.jsx', '.mjs', '.cjs', '.mts', '.cts'];

/** Files (of `paths`) a module spelling may name, from the importing file. Empty: not in the repository. */
export function moduleFiles(language: string, from: string, module: string, paths: ReadonlySet<string>, member?: string | null): string[] {
  const dir = posix.dirname(from);
  const out: string[] = [];
  const tryPath = (p: string) => {
    if (paths.has(p) && !out.includes(p)) out.push(p);
  };
  switch (familyOf(language)) {
    case 'ecma': {
      if (!module.startsWith('.')) return out;
      const stem = posix.normalize(posix.join(dir, module)).replace(/\.(m|c)?jsx?$/, '');
      for (const ext of ECMA_EXT) tryPath(stem + ext);
      for (const ext of ECMA_EXT.slice(1)) tryPath(`${stem}/index${ext}`);
      return out;
    }
    case 'python': {
      const dots = /^\.*/.exec(module)![0].length;
      const rest = module.slice(dots).replace(/\./g, '/');
      const stems: string[] = [];
      if (dots) {
        let base = dir;
        for (let i = 1; i < dots; i++) base = posix.dirname(base);
        stems.push(posix.normalize(rest ? posix.join(base, rest) : base));
      } else stems.push(rest);
      const withMember = member && member !== '*' ? stems.map((s) => `${s}/${member}`) : [];
      for (const stem of [...stems, ...withMember]) {
        const clean = stem === '.' ? '' : stem;
        const cands = clean ? [`${clean}.py`, `${clean}.pyi`, `${clean}/__init__.py`] : ['__init__.py'];
        if (dots) for (const c of cands) tryPath(c);
        else for (const p of suffixed(paths, cands)) tryPath(p);
      }
      return out;
    }
    case 'go': {
      // A package is a directory: every file of the longest directory the import path ends with.
      for (const p of paths) {
        const d = posix.dirname(p);
        if (p.endsWith('.go') && (module === d || module.endsWith('/' + d))) out.push(p);
      }
      return out;
    }
    case 'java': {
      const base = module.replace(/\./g, '/');
      const cands = member && member !== '*' ? [`${base}/${member}.java`] : [];
      for (const p of suffixed(paths, cands)) tryPath(p);
      if (member === '*') for (const p of paths) if (posix.dirname(p).endsWith(base) && p.endsWith('.java')) tryPath(p);
      return out;
    }
    case 'rust': {
      const segs = module.split('::').filter((s) => s && s !== 'crate' && s !== 'self' && s !== 'super');
      if (!segs.length) return out;
      const stem = segs.join('/');
      for (const p of suffixed(paths, [`${stem}.rs`, `${stem}/mod.rs`])) tryPath(p);
      return out;
    }
  }
  return out;
}

/** Paths equal to a candidate or ending with `/candidate` (a package under `src/`, a module under a source root). */
function suffixed(paths: ReadonlySet<string>, cands: string[]): string[] {
  const out: string[] = [];
  for (const c of cands) if (paths.has(c)) out.push(c);
  if (out.length) return out;
  for (const p of paths) for (const c of cands) if (p.endsWith('/' + c)) out.push(p);
  return out;
}

export function matchModule(language: string, from: string, module: string, target: string, paths: ReadonlySet<string>, member?: string | null): ModuleMatch {
  const files = moduleFiles(language, from, module, paths, member);
  if (!files.length) return 'unknown';
  return files.includes(target) ? 'yes' : 'no';
}
