/**
 * Go: functions, methods (container = receiver type: `Store.Get`), struct and
 * interface types (fields and interface methods as symbols), other named
 * types and aliases, consts and vars. A `type (...)`/`const (...)` group is
 * looked through, so each spec is its own definition. Doc comments are the
 * `//` lines directly above.
 */
import { def, field, type DefInfo, type LanguageRules, type Node } from './types.js';

/** The receiver's base type name: `(s *Store[T])` -> `Store`. */
function receiverType(method: Node): string | null {
  const receiver = field(method, 'receiver');
  const param = receiver?.namedChildren.find((c) => c?.type === 'parameter_declaration');
  let t = param ? field(param, 'type') : null;
  for (let guard = 0; t && guard < 8; guard++) {
    if (t.type === 'type_identifier') return t.text;
    t = field(t, 'type') ?? t.namedChildren.find((c) => c?.type === 'type_identifier') ?? t.firstNamedChild;
  }
  return null;
}

function specNames(spec: Node, kind: DefInfo['kind']): DefInfo[] {
  return spec.childrenForFieldName('name').flatMap((n) => (n ? [def(kind, n, { light: true })] : []));
}

function typeSpec(spec: Node): DefInfo[] {
  const name = field(spec, 'name');
  if (!name) return [];
  if (spec.type === 'type_alias') return [def('type', name, { light: true })];
  const type = field(spec, 'type');
  if (type?.type === 'struct_type') {
    const fields = type.namedChildren.find((c) => c?.type === 'field_declaration_list') ?? null;
    return [def('struct', name, { body: fields })];
  }
  if (type?.type === 'interface_type') return [def('interface', name, { body: type })];
  return [def('type', name, { light: true })];
}

export const goRules: LanguageRules = {
  grammar: 'go',
  unwrap(node) {
    switch (node.type) {
      case 'type_declaration':
      case 'const_declaration':
      case 'var_declaration':
      case 'var_spec_list':
      case 'const_spec_list':
        return node.namedChildren.filter((c): c is Node => c !== null && c.type !== 'comment');
      default:
        return null;
    }
  },
  define(node, ctx) {
    switch (node.type) {
      case 'function_declaration': {
        const name = field(node, 'name');
        return name ? [def('function', name)] : [];
      }
      case 'method_declaration': {
        const name = field(node, 'name');
        const owner = receiverType(node);
        return name ? [def('method', name, { scope: owner ? [owner] : [] })] : [];
      }
      case 'type_spec':
      case 'type_alias':
        return typeSpec(node);
      case 'const_spec':
        return specNames(node, 'constant');
      case 'var_spec':
        return specNames(node, 'variable');
      case 'field_declaration':
        return ctx.inType ? specNames(node, 'field') : [];
      case 'method_elem':
      case 'method_spec': {
        const name = field(node, 'name');
        return name ? [def('method', name, { light: true })] : [];
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
};
