/**
 * How a parse's graph facts are kept: one row per parse instead of one per use (a use row
 * cost more to write and store than the chunk it sits in). Uses are grouped by name, each
 * `[line, column, kind, qualifier]`; the enclosing symbol is not stored (it follows from the
 * parse's symbols, painted again on read). Imports are a JSON list.
 */
import { REF_KINDS } from '../lang/graph/types.js';
import type { GraphImport, GraphRef, RefKind } from '../lang/types.js';

type Use = [number, number, number, string | null];

export function encodeRefs(refs: readonly GraphRef[]): { text: string; names: string[] } {
  const byName: Record<string, Use[]> = Object.create(null) as Record<string, Use[]>;
  for (const r of refs) (byName[r.name] ??= []).push([r.line, r.column, REF_KINDS.indexOf(r.kind), r.qualifier]);
  return { text: JSON.stringify(byName), names: Object.keys(byName) };
}

export interface DecodedRef {
  name: string;
  line: number;
  column: number;
  kind: RefKind;
  qualifier: string | null;
}

/** The uses of `names` (all when null), in (line, column) order. */
export function decodeRefs(text: string, names: ReadonlySet<string> | null): DecodedRef[] {
  const byName = JSON.parse(text) as Record<string, Use[]>;
  const out: DecodedRef[] = [];
  for (const name of names ? [...names].filter((n) => Object.hasOwn(byName, n)) : Object.keys(byName)) {
    for (const [line, column, kind, qualifier] of byName[name]) out.push({ name, line, column, kind: REF_KINDS[kind], qualifier });
  }
  return out.sort((a, b) => a.line - b.line || a.column - b.column);
}

export const encodeImports = (imports: readonly GraphImport[]): string => JSON.stringify(imports.map((i) => [i.local, i.module, i.name, i.line]));

export function decodeImports(text: string): GraphImport[] {
  return (JSON.parse(text) as [string, string, string | null, number][]).map(([local, module, name, line]) => ({ local, module, name, line }));
}
