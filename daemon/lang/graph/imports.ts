/**
 * Import statements -> what they bind (GraphImport) and the imported names' uses
 * (refs of kind `import`), one reader per language family. Also the declared
 * package of a Go or Java file.
 */
import type { Node } from 'web-tree-sitter';
import type { GraphImport, GraphRef } from './types.js';

export interface ImportSink {
  imports: GraphImport[];
  /** An imported member's name where it is written (kind `import`). */
  ref(node: Node, name: string): void;
  pkg(name: string): void;
}

const unquote = (s: string): string => s.replace(/^['"`]|['"`]$/g, '');

export function readImport(language: string, node: Node, sink: ImportSink): void {
  const line = node.startPosition.row + 1;
  const add = (local: string, module: string, name: string | null): void => {
    sink.imports.push({ local, module, name, line });
  };
  switch (language) {
    case 'python':
      return python(node, add, sink);
    case 'go':
      if (node.type === 'package_clause') {
        const id = node.namedChildren.find((c) => c?.type === 'package_identifier');
        if (id) sink.pkg(id.text);
        return;
      }
      for (const spec of node.descendantsOfType('import_spec')) {
        if (!spec) continue;
        const path = spec.childForFieldName('path');
        if (!path) continue;
        const module = unquote(path.text);
        const alias = spec.childForFieldName('name')?.text;
        add(alias ?? module.split('/').pop() ?? module, module, null);
      }
      return;
    case 'java': {
      const text = node.text
        .replace(/^(import|package)\s+(static\s+)?/, '')
        .replace(/\s*;\s*$/, '')
        .replace(/\s+/g, '');
      if (node.type === 'package_declaration') {
        sink.pkg(text);
        return;
      }
      if (text.endsWith('.*')) return add('*', text.slice(0, -2), '*');
      const dot = text.lastIndexOf('.');
      const name = text.slice(dot + 1);
      add(name, text.slice(0, Math.max(0, dot)), name);
      const last = node.descendantsOfType('identifier').at(-1);
      if (last) sink.ref(last, name);
      return;
    }
    case 'c':
    case 'cpp': {
      const path = node.childForFieldName('path');
      if (path) add('', path.text.replace(/^["<]|[">]$/g, ''), null);
      return;
    }
    case 'rust':
      if (node.type === 'use_declaration') {
        const arg = node.childForFieldName('argument');
        if (arg) rustUse(arg, '', add, sink);
      }
      return;
    default:
      return ecma(node, add, sink);
  }
}

type Add = (local: string, module: string, name: string | null) => void;

function python(node: Node, add: Add, sink: ImportSink): void {
  if (node.type === 'import_statement') {
    for (const c of node.childrenForFieldName('name')) {
      if (!c) continue;
      if (c.type === 'aliased_import') {
        const mod = c.childForFieldName('name')?.text ?? '';
        add(c.childForFieldName('alias')?.text ?? mod, mod, null);
      } else add(c.text.split('.')[0], c.text, null);
    }
    return;
  }
  if (node.type !== 'import_from_statement') return;
  const module = (node.childForFieldName('module_name')?.text ?? '').replace(/\s+/g, '');
  if (node.namedChildren.some((c) => c?.type === 'wildcard_import')) return add('*', module, '*');
  for (const c of node.childrenForFieldName('name')) {
    if (!c) continue;
    const nameNode = c.type === 'aliased_import' ? c.childForFieldName('name') : c;
    if (!nameNode) continue;
    const name = nameNode.text;
    add(c.type === 'aliased_import' ? (c.childForFieldName('alias')?.text ?? name) : name, module, name);
    const last = nameNode.type === 'dotted_name' ? nameNode.namedChildren.at(-1) : nameNode;
    if (last) sink.ref(last, name);
  }
}

function ecma(node: Node, add: Add, sink: ImportSink): void {
  const source = node.childForFieldName('source');
  if (!source) return;
  const module = unquote(source.text);
  if (node.type === 'export_statement') {
    const clause = node.namedChildren.find((c) => c?.type === 'export_clause');
    if (!clause) {
      const ns = node.namedChildren.find((c) => c?.type === 'namespace_export');
      const id = ns?.namedChildren.find((c) => c?.type === 'identifier' || c?.type === 'string');
      return add(id ? unquote(id.text) : '*', module, id ? null : '*');
    }
    for (const spec of clause.namedChildren) {
      const n = spec?.childForFieldName('name');
      if (!spec || !n) continue;
      add(spec.childForFieldName('alias')?.text ?? n.text, module, n.text);
      sink.ref(n, n.text);
    }
    return;
  }
  const clause = node.namedChildren.find((c) => c?.type === 'import_clause');
  if (!clause) return add('', module, null); // a side-effect import: the module is still a dependency
  for (const part of clause.namedChildren) {
    if (!part) continue;
    if (part.type === 'identifier') add(part.text, module, 'default');
    else if (part.type === 'namespace_import') {
      const id = part.namedChildren.find((c) => c?.type === 'identifier');
      if (id) add(id.text, module, null);
    } else if (part.type === 'named_imports') {
      for (const spec of part.namedChildren) {
        const n = spec?.childForFieldName('name');
        if (!spec || !n) continue;
        add(spec.childForFieldName('alias')?.text ?? n.text, module, n.text);
        sink.ref(n, n.text);
      }
    }
  }
}

function rustUse(node: Node, prefix: string, add: Add, sink: ImportSink): void {
  const join = (a: string, b: string) => (a && b ? `${a}::${b}` : a || b);
  switch (node.type) {
    case 'identifier':
    case 'self':
    case 'crate':
    case 'super':
      if (node.type === 'identifier') sink.ref(node, node.text);
      return add(node.text, prefix, node.text);
    case 'scoped_identifier': {
      const path = node.childForFieldName('path')?.text ?? '';
      const name = node.childForFieldName('name');
      if (!name) return;
      if (name.type === 'identifier') sink.ref(name, name.text);
      return add(name.text, join(prefix, path), name.text);
    }
    case 'use_as_clause': {
      const path = node.childForFieldName('path');
      const alias = node.childForFieldName('alias')?.text;
      if (!path || !alias) return;
      const full = join(prefix, path.text);
      const cut = full.lastIndexOf('::');
      const name = full.slice(cut + 2 || 0);
      const last = path.type === 'scoped_identifier' ? path.childForFieldName('name') : path;
      if (last?.type === 'identifier') sink.ref(last, name);
      return add(alias, cut > 0 ? full.slice(0, cut) : '', name);
    }
    case 'scoped_use_list': {
      const path = node.childForFieldName('path')?.text ?? '';
      const list = node.childForFieldName('list');
      for (const c of list?.namedChildren ?? []) if (c) rustUse(c, join(prefix, path), add, sink);
      return;
    }
    case 'use_list':
      for (const c of node.namedChildren) if (c) rustUse(c, prefix, add, sink);
      return;
    case 'use_wildcard': {
      const inner = node.namedChildren[0];
      return add('*', join(prefix, inner?.text ?? ''), '*');
    }
  }
}

export type { GraphRef };
