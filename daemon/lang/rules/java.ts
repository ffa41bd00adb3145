/**
 * Java: classes, interfaces, enums, records, annotation types (nested to any
 * depth), methods, constructors, fields and interface constants. Annotations
 * are inside the declaration's `modifiers`, so they come with it; Javadoc and
 * `//` comments directly above attach. The package is not part of symbol
 * paths (`TaskQueue.offer`, not `com.example.TaskQueue.offer`).
 */
import { def, field, type DefInfo, type LanguageRules, type Node } from './types.js';

const TYPES: Record<string, DefInfo['kind']> = {
  class_declaration: 'class',
  record_declaration: 'class',
  interface_declaration: 'interface',
  annotation_type_declaration: 'interface',
  enum_declaration: 'enum',
};

function declarators(node: Node, kind: DefInfo['kind']): DefInfo[] {
  const out: DefInfo[] = [];
  for (const d of node.childrenForFieldName('declarator')) {
    const name = d && field(d, 'name');
    if (name) out.push(def(kind, name, { light: true }));
  }
  return out;
}

export const javaRules: LanguageRules = {
  grammar: 'java',
  unwrap() {
    return null;
  },
  define(node, ctx) {
    const typeKind = TYPES[node.type];
    if (typeKind) {
      const name = field(node, 'name');
      return name ? [def(typeKind, name, { body: field(node, 'body') })] : [];
    }
    switch (node.type) {
      case 'method_declaration': {
        const name = field(node, 'name');
        // Abstract and interface methods have no body: symbols, not chunks.
        return name ? [def('method', name, { light: !field(node, 'body') })] : [];
      }
      case 'constructor_declaration':
      case 'compact_constructor_declaration': {
        const name = field(node, 'name');
        return name ? [def('constructor', name)] : [];
      }
      case 'annotation_type_element_declaration': {
        const name = field(node, 'name');
        return name ? [def('method', name, { light: true })] : [];
      }
      case 'field_declaration':
        return declarators(node, 'field');
      case 'constant_declaration':
        return declarators(node, ctx.inType ? 'constant' : 'variable');
      default:
        return [];
    }
  },
  transparent(node) {
    // An enum's methods and fields sit in `enum_body_declarations` after the constants.
    return node.type === 'enum_body_declarations' ? node : null;
  },
  isLeading(node) {
    return node.type === 'block_comment' || node.type === 'line_comment';
  },
};
