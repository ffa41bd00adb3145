/**
 * PHP: namespaces (`namespace A\B;` scopes the rest of the file, `namespace
 * A\B { }` its block; both become `A.B` in symbol paths), classes,
 * interfaces, traits, enums, functions, methods (`__construct` is the
 * constructor; abstract/interface methods are symbols only), properties and
 * constants. `#[Attributes]` are part of the declaration; docblocks and
 * comments directly above attach.
 */
import { def, field, splitQualified, type DefInfo, type LanguageRules, type Node } from './types.js';

const TYPES: Record<string, DefInfo['kind']> = {
  class_declaration: 'class',
  interface_declaration: 'interface',
  trait_declaration: 'trait',
  enum_declaration: 'enum',
};

function elementNames(node: Node, elementType: string, kind: DefInfo['kind']): DefInfo[] {
  const out: DefInfo[] = [];
  for (const el of node.namedChildren) {
    if (el?.type !== elementType) continue;
    let name = field(el, 'name') ?? el.namedChildren.find((c) => c?.type === 'name' || c?.type === 'variable_name') ?? null;
    // `$logger`: the symbol is `logger`, as written after `->`.
    if (name?.type === 'variable_name') name = name.namedChildren.find((c) => c?.type === 'name') ?? name;
    if (name) out.push(def(kind, name, { light: true }));
  }
  return out;
}

export const phpRules: LanguageRules = {
  grammar: 'php',
  unwrap() {
    return null;
  },
  define(node) {
    const typeKind = TYPES[node.type];
    if (typeKind) {
      const name = field(node, 'name');
      return name ? [def(typeKind, name, { body: field(node, 'body') })] : [];
    }
    switch (node.type) {
      case 'namespace_definition': {
        const name = field(node, 'name');
        const body = field(node, 'body');
        if (!name || !body) return [];
        const parts = splitQualified(name.text);
        return [{ kind: 'namespace', name: parts.join('.'), nameNode: name, body }];
      }
      case 'function_definition': {
        const name = field(node, 'name');
        return name ? [def('function', name)] : [];
      }
      case 'method_declaration': {
        const name = field(node, 'name');
        if (!name) return [];
        const kind = name.text.toLowerCase() === '__construct' ? 'constructor' : 'method';
        return [def(kind, name, { light: !field(node, 'body') })];
      }
      case 'property_declaration':
        return elementNames(node, 'property_element', 'property');
      case 'const_declaration':
        return elementNames(node, 'const_element', 'constant');
      default:
        return [];
    }
  },
  transparent(node) {
    // `namespace { ... }` is the global namespace: its members belong to the file's top level.
    if (node.type === 'namespace_definition' && !field(node, 'name')) return field(node, 'body');
    return null;
  },
  isLeading(node) {
    return node.type === 'comment';
  },
  fileScope(node) {
    if (node.type !== 'namespace_definition' || field(node, 'body')) return null;
    const name = field(node, 'name');
    return name ? { name: name.text, nameNode: name } : null;
  },
};
