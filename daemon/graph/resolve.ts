/**
 * Best-effort name resolution: how likely a use (a ref) is to mean a definition, from what
 * the syntax tells (imports, the enclosing class, `self`/`this`, the package) and nothing
 * else (no types). Undecidable cases keep a low confidence instead of being dropped or
 * guessed: `x.save()` with three `save` methods in the repository is a third of a reference
 * to each, unless an import says which.
 */
import type { GraphImportRow, GraphRefRow, SymbolRow } from '../store/types.js';
import { isBuiltinMethod, isBuiltinType } from './builtins.js';
import { familyOf, moduleFiles, type ModuleMatch } from './modules.js';

/** Symbol kinds reached through an object (`obj.name`), not as a bare name. */
const MEMBER_KINDS = new Set(['method', 'constructor', 'field', 'property']);
/** Languages where a bare name inside a class reaches its members (implicit `this`). */
const IMPLICIT_THIS = new Set(['java', 'csharp', 'cpp']);
const SELF = new Set(['self', 'this', 'cls', 'Self']);

export interface FileFacts {
  imports: GraphImportRow[];
  pkg: string | null;
  /** Class symbol path -> the names it inherits from (its `inherit` refs). */
  bases: Map<string, string[]>;
}

/** What resolution reads besides the ref and the definition; filled by the caller for the files involved. */
export class ResolveContext {
  private readonly memo = new Map<string, string[]>();
  constructor(
    readonly paths: ReadonlySet<string>,
    readonly files: Map<string, FileFacts>,
    /** Definitions per name (for the "how many could it be" share of an unknown receiver). */
    readonly defsByName: Map<string, SymbolRow[]>,
  ) {}

  moduleFiles(language: string, from: string, module: string, member: string | null): string[] {
    const key = `${language}\0${from.slice(0, from.lastIndexOf('/') + 1)}\0${module}\0${member ?? ''}`;
    let files = this.memo.get(key);
    if (!files) this.memo.set(key, (files = moduleFiles(language, from, module, this.paths, member)));
    return files;
  }

  match(language: string, from: string, module: string, target: string, member: string | null): ModuleMatch {
    const files = this.moduleFiles(language, from, module, member);
    if (!files.length) return 'unknown';
    if (files.includes(target)) return 'yes';
    // One level of re-export: `from .impl import name` in a package's __init__, `export { x } from './x'` in an index.
    for (const f of files) {
      const facts = this.files.get(f);
      if (!facts) continue;
      for (const imp of facts.imports) {
        if ((imp.local === member || imp.local === '*') && this.moduleFiles(language, f, imp.module, imp.name).includes(target)) return 'yes';
      }
    }
    return 'no';
  }
}

export const symbolPath = (s: Pick<SymbolRow, 'name' | 'container'>): string => (s.container ? `${s.container}.${s.name}` : s.name);
export const isMember = (d: SymbolRow): boolean => MEMBER_KINDS.has(d.kind);
const lastSeg = (s: string): string => s.slice(s.lastIndexOf('.') + 1);

/** The class a use sits in: the container of its enclosing method, or the enclosing symbol itself. */
function enclosingClass(ref: GraphRefRow, facts: FileFacts | undefined): string | null {
  if (!ref.enclosing) return null;
  if (facts?.bases.has(ref.enclosing)) return ref.enclosing;
  const cut = ref.enclosing.lastIndexOf('.');
  return cut > 0 ? ref.enclosing.slice(0, cut) : ref.enclosing;
}

function inherits(cls: string | null, base: string, facts: FileFacts | undefined): boolean {
  if (!cls) return false;
  return (facts?.bases.get(cls) ?? []).some((b) => lastSeg(b) === base);
}

/** Any import of the ref's file that names the definition's file. */
function importsFile(ctx: ResolveContext, ref: GraphRefRow, facts: FileFacts | undefined, target: string): boolean {
  return (facts?.imports ?? []).some((i) => ctx.moduleFiles(ref.language, ref.path, i.module, i.name).includes(target));
}

/** How likely `ref` means `def` (0..1). */
export function confidence(ref: GraphRefRow, def: SymbolRow, ctx: ResolveContext): number {
  if (familyOf(ref.language) !== familyOf(def.language)) return 0;
  const facts = ctx.files.get(ref.path);
  const imports = facts?.imports ?? [];
  const sameFile = ref.path === def.path;
  const member = isMember(def);
  const owner = def.container ? lastSeg(def.container) : null;

  if (ref.kind === 'import') {
    const imp = imports.filter((i) => i.name === ref.name && i.line <= ref.line).at(-1);
    if (!imp) return 0.1;
    const m = ctx.match(ref.language, ref.path, imp.module, def.path, imp.name);
    return m === 'yes' ? 0.95 : m === 'no' ? 0 : 0.2;
  }

  if (ref.qualifier === null) {
    const bound = imports.filter((i) => i.local === ref.name);
    if (!member) {
      if (bound.length) {
        // The name is imported here: it means the definition only if that import brings it.
        const named = bound.filter((i) => i.name === def.name || i.name === 'default');
        if (!named.length) return 0.02;
        const ms = named.map((i) => ctx.match(ref.language, ref.path, i.module, def.path, i.name));
        if (ms.includes('yes')) return 0.95;
        return ms.includes('unknown') ? 0.1 : 0.02;
      }
      if (sameFile) return 0.95;
      if (def.container && !def.path.endsWith('.py')) {
        // A namespace member (`ns.f` written bare inside the namespace) in another file: rarely.
        return 0.05;
      }
      for (const w of imports.filter((i) => i.local === '*')) if (ctx.match(ref.language, ref.path, w.module, def.path, '*') === 'yes') return 0.8;
      const lang = familyOf(ref.language);
      const sameDir = ref.path.slice(0, ref.path.lastIndexOf('/') + 1) === def.path.slice(0, def.path.lastIndexOf('/') + 1);
      if (lang === 'go' && sameDir) return 0.9;
      if (lang === 'java' && sameDir) return 0.85;
      if (lang === 'rust') return 0.3;
      // C/C++: one global namespace per program; an include of the definition's header says more.
      if (lang === 'c') {
        const stem = (p: string) => p.slice(p.lastIndexOf('/') + 1).replace(/\.[^.]+$/, '');
        return imports.some((i) => stem(i.module) === stem(def.path)) ? 0.8 : 0.4;
      }
      return 0.05;
    }
    // A member reached bare: implicit `this` (Java), or a class body naming its own method (Python).
    const cls = enclosingClass(ref, facts);
    if (sameFile && cls === def.container) return IMPLICIT_THIS.has(ref.language) ? 0.9 : ref.language === 'python' ? 0.8 : 0.1;
    if (IMPLICIT_THIS.has(ref.language) && owner && inherits(cls, owner, facts)) return 0.6;
    return 0.02;
  }

  const q = ref.qualifier;
  const head = q.split('.')[0];
  const family = familyOf(ref.language);
  // `self.x` / `this.x` itself: a member of the enclosing class (`self.a.x` is an unknown receiver).
  if (SELF.has(q) || q === 'super') {
    if (!member || !def.container) return 0;
    const cls = enclosingClass(ref, facts);
    // `super().x` in the class itself means the base's x, not this one.
    if (sameFile && cls === def.container) return q === 'super' ? 0.1 : 0.95;
    // A subclass that defines its own x: `self.x` there means that one (an override), unless it is `super().x`.
    const overridden = q !== 'super' && (ctx.defsByName.get(def.name) ?? []).some((d) => d.path === ref.path && d.container === cls && d !== def);
    if (owner && inherits(cls, owner, facts)) return overridden ? 0.1 : 0.85;
    return 0.1 / Math.max(1, memberCount(ctx, def.name));
  }

  // The receiver is an imported name: a module (`mod.f`), a class (`Cls.method`), or something else.
  const bound = imports.filter((i) => i.local === head);
  for (const imp of bound) {
    const isModule = imp.name === null || (ref.language === 'python' && ctx.moduleFiles(ref.language, ref.path, pyJoin(imp.module, imp.name), null).length > 0);
    if (isModule && !member) {
      // `import a.b` binds `a` (the use says `a.b.f`); `import a.b as x` and `from a import b` bind the module itself.
      const spec = imp.name === null ? (ref.language === 'python' && imp.local === imp.module.split('.')[0] ? q : imp.module) : pyJoin(imp.module, imp.name);
      const m = ctx.match(ref.language, ref.path, spec, def.path, null);
      if (m === 'yes') return 0.95;
      if (m === 'no') return 0;
      return 0.05;
    }
    if (member && imp.name && lastSeg(imp.name) === owner && q === head) {
      const m = ctx.match(ref.language, ref.path, imp.module, def.path, imp.name);
      return m === 'yes' ? 0.9 : m === 'no' ? 0.05 : 0.4;
    }
  }
  if (!member) {
    // `Cls.f` for a static function of a namespace or a Go/Rust module path (`pkg.F`, `module::f`).
    if (owner && lastSeg(q) === owner) return 0.85;
    if (familyOf(ref.language) === 'go' && bound.length === 0 && ref.path.slice(0, ref.path.lastIndexOf('/')) === def.path.slice(0, def.path.lastIndexOf('/')))
      return 0.05;
    return 0.03;
  }
  if (owner && lastSeg(q) === owner) return sameFile || importsFile(ctx, ref, facts, def.path) ? 0.9 : 0.6;
  // A receiver named like another class or a constant (`dict.get`, `Other.method`, `TABLE.get`): not this one.
  if (q !== '?' && !q.includes('.') && (isBuiltinType(family, q) || /^[A-Z]/.test(q))) return 0.02;
  // An unknown receiver: a share of every method of that name, more when the file can see this one;
  // a name the language's own types define (`get`, `write`) is most often the built-in.
  const share = 0.7 / Math.max(1, memberCount(ctx, def.name));
  const near = sameFile || importsFile(ctx, ref, facts, def.path) ? 0.2 : 0;
  return Math.min(0.9, share + near) * (isBuiltinMethod(family, def.name) ? 0.3 : 1);
}

/** `pkg` + `mod` as one Python module spelling (`.` + `core` is `.core`). */
function pyJoin(module: string, name: string): string {
  return module.endsWith('.') ? module + name : `${module}.${name}`;
}

function memberCount(ctx: ResolveContext, name: string): number {
  return (ctx.defsByName.get(name) ?? []).filter(isMember).length;
}
