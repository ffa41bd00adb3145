/**
 * C#: namespaces (block and file-scoped `namespace A.B;`, both part of symbol
 * paths), classes, records, structs, interfaces, enums, methods,
 * constructors, destructors, operators, properties, indexers, events, fields,
 * delegates. `[Attributes]` are children of the declaration; `///` XML doc
 * comments directly above attach.
 */
import { def, field, type DefInfo, type LanguageRules, type Node } from './types.js';

const TYPES: Record<string, DefInfo['kind']> = {
  class_declaration: 'class',
  record_declaration: 'class',
  struct_declaration: 'struct',
  interface_declaration: 'interface',
  enum_declaration: 'enum',
};

function variableNames(node: Node, kind: DefInfo['kind']): DefInfo[] {
  const decl = node.namedChildren.find((c) => c?.type === 'variable_declaration');
  if (!decl) return [];
  const out: DefInfo[] = [];
  for (const v of decl.namedChildren) {
    if (v?.type !== 'variable_declarator') continue;
    const name = field(v, 'name') ?? v.namedChildren.find((c) => c?.type === 'identifier') ?? null;
    if (name) out.push(def(kind, name, { light: true }));
  }
  return out;
}

function hasModifier(node: Node, word: string): boolean {
  return node.namedChildren.some((c) => c?.type === 'modifier' && c.text === word);
}

export const csharpRules: LanguageRules = {
  grammar: 'csharp',
  unwrap() {
    return null;
  },
  define(node) {
    let typeKind = TYPES[node.type];
    // `record struct` is a value type like `struct`; plain `record` (and `record class`) are classes.
    if (node.type === 'record_declaration' && node.children.some((c) => c?.type === 'struct')) typeKind = 'struct';
    if (typeKind) {
      const name = field(node, 'name');
      // Enum members are values, not definitions worth their own symbols.
      const body = typeKind === 'enum' ? null : field(node, 'body');
      return name ? [def(typeKind, name, { body })] : [];
    }
    switch (node.type) {
      case 'namespace_declaration': {
        const name = field(node, 'name');
        return name ? [def('namespace', name, { body: field(node, 'body') })] : [];
      }
      case 'method_declaration':
      case 'operator_declaration':
      case 'conversion_operator_declaration':
      case 'destructor_declaration': {
        const name = field(node, 'name') ?? field(node, 'operator') ?? field(node, 'type');
        // Interface and abstract/extern methods have no body: symbols, not chunks.
        return name ? [def('method', name, { light: !field(node, 'body') })] : [];
      }
      case 'constructor_declaration': {
        const name = field(node, 'name');
        return name ? [def('constructor', name)] : [];
      }
      case 'property_declaration':
      case 'event_declaration': {
        const name = field(node, 'name');
        return name ? [def('property', name, { light: true })] : [];
      }
      case 'indexer_declaration': {
        const keyword = node.children.find((c) => c?.type === 'this');
        return keyword ? [def('property', keyword, { light: true })] : [];
      }
      case 'field_declaration':
        return variableNames(node, hasModifier(node, 'const') ? 'constant' : 'field');
      case 'event_field_declaration':
        return variableNames(node, 'field');
      case 'delegate_declaration': {
        const name = field(node, 'name');
        return name ? [def('type', name, { light: true })] : [];
      }
      default:
        return [];
    }
  },
  transparent() {
    return null;
  },
  isLeading(node) {
    return node.type === 'comment';
  },
  fileScope(node) {
    if (node.type !== 'file_scoped_namespace_declaration') return null;
    const name = field(node, 'name');
    return name ? { name: name.text, nameNode: name } : null;
  },
};
