/**
 * How a parse's graph facts are kept: one row per (name, parse) holding that name's uses,
 * `[line, column, kind, qualifier, enclosing]` each (a row per use cost more to write and store
 * than the chunk it sits in, and a blob per file had to be decoded whole for one name); the
 * imports and each class's bases as small JSON columns of the parse's row.
 */
import { REF_KINDS } from '../lang/graph/types.js';
import type { GraphImport, GraphRef, RefKind } from '../lang/types.js';

type Use = [number, number, number, string | null, string | null];

/** The uses of each name, encoded. */
export function encodeUses(refs: readonly GraphRef[]): Map<string, string> {
  const byName = new Map<string, Use[]>();
  for (const r of refs) {
    let list = byName.get(r.name);
    if (!list) byName.set(r.name, (list = []));
    list.push([r.line, r.column, REF_KINDS.indexOf(r.kind), r.qualifier, r.enclosing]);
  }
  return new Map([...byName].map(([name, uses]) => [name, JSON.stringify(uses)]));
}

export interface DecodedRef {
  name: string;
  line: number;
  column: number;
  kind: RefKind;
  qualifier: string | null;
  enclosing: string | null;
}

export function decodeUses(name: string, text: string): DecodedRef[] {
  return (JSON.parse(text) as Use[]).map(([line, column, kind, qualifier, enclosing]) => ({ name, line, column, kind: REF_KINDS[kind], qualifier, enclosing }));
}

/** Each class's bases (its `inherit` uses), by the class's dotted path. */
export function encodeBases(refs: readonly GraphRef[]): string {
  const out: Record<string, string[]> = {};
  for (const r of refs) if (r.kind === 'inherit' && r.enclosing) (out[r.enclosing] ??= []).push(r.qualifier ? `${r.qualifier}.${r.name}` : r.name);
  return JSON.stringify(out);
}

export const decodeBases = (text: string): Record<string, string[]> => JSON.parse(text) as Record<string, string[]>;

export const encodeImports = (imports: readonly GraphImport[]): string => JSON.stringify(imports.map((i) => [i.local, i.module, i.name, i.line]));

export function decodeImports(text: string): GraphImport[] {
  return (JSON.parse(text) as [string, string, string | null, number][]).map(([local, module, name, line]) => ({ local, module, name, line }));
}
