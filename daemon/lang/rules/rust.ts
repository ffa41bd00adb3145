/**
 * Rust: functions, structs/unions (fields as symbols), enums, traits (method
 * signatures as symbols), impl blocks (kind `impl`, named after the
 * implementing type, so members are `Type.method` for inherent and trait
 * impls alike), inline modules, `macro_rules!`, consts/statics/type aliases.
 * `///` and `/**` doc comments and `#[...]` attributes directly above
 * attach; `//!` and `#![...]` describe the enclosing item and do not.
 * `extern "C" { ... }` blocks are looked through.
 */
import { def, field, type DefInfo, type LanguageRules, type Node } from './types.js';

/** The implementing type's base name: `Lexer<'a>` -> `Lexer`, `&mut fmt::Formatter` -> `Formatter`. */
function typeName(t: Node | null): Node | null {
  for (let guard = 0; t && guard < 8; guard++) {
    switch (t.type) {
      case 'type_identifier':
      case 'primitive_type':
        return t;
      case 'generic_type':
        t = field(t, 'type');
        break;
      case 'scoped_type_identifier':
        t = field(t, 'name');
        break;
      case 'reference_type':
      case 'pointer_type':
        t = field(t, 'type');
        break;
      default:
        return t;
    }
  }
  return null;
}

const SIMPLE: Record<string, { kind: DefInfo['kind']; light?: boolean; body?: boolean }> = {
  struct_item: { kind: 'struct', body: true },
  union_item: { kind: 'struct', body: true },
  enum_item: { kind: 'enum' },
  trait_item: { kind: 'trait', body: true },
  macro_definition: { kind: 'macro' },
  const_item: { kind: 'constant', light: true },
  static_item: { kind: 'constant', light: true },
  type_item: { kind: 'type', light: true },
  associated_type: { kind: 'type', light: true },
};

export const rustRules: LanguageRules = {
  grammar: 'rust',
  unwrap() {
    return null;
  },
  define(node, ctx) {
    const simple = SIMPLE[node.type];
    if (simple) {
      const name = field(node, 'name');
      if (!name) return [];
      return [def(simple.kind, name, { light: simple.light, body: simple.body ? field(node, 'body') : undefined })];
    }
    switch (node.type) {
      case 'function_item': {
        const name = field(node, 'name');
        return name ? [def(ctx.inType ? 'method' : 'function', name)] : [];
      }
      case 'function_signature_item': {
        const name = field(node, 'name');
        return name ? [def(ctx.inType ? 'method' : 'function', name, { light: true })] : [];
      }
      case 'impl_item': {
        const name = typeName(field(node, 'type'));
        return name ? [def('impl', name, { body: field(node, 'body') })] : [];
      }
      case 'mod_item': {
        const name = field(node, 'name');
        const body = field(node, 'body');
        // `mod foo;` only points at another file.
        return name ? [def('module', name, { body, light: !body })] : [];
      }
      case 'field_declaration': {
        const name = field(node, 'name');
        return name && ctx.inType ? [def('field', name, { light: true })] : [];
      }
      default:
        return [];
    }
  },
  transparent(node) {
    return node.type === 'foreign_mod_item' ? field(node, 'body') : null;
  },
  isLeading(node) {
    if (node.type === 'attribute_item') return true;
    if (node.type !== 'line_comment' && node.type !== 'block_comment') return false;
    // Inner doc comments (`//!`, `/*!`) document the enclosing module, not the next item.
    return !node.namedChildren.some((c) => c?.type === 'inner_doc_comment_marker');
  },
};
