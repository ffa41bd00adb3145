/**
 * Python: functions, classes (nested to any depth), methods, decorated
 * definitions (decorators are part of the definition node), module-level and
 * class-level assignments to plain names (constants/variables/fields),
 * `type X = ...` aliases. Leading `#` comments attach; docstrings are inside
 * the definition anyway.
 */
import { constantOrVariable, def, field, type DefInfo, type LanguageRules, type Node } from './types.js';

function assignmentTargets(stmt: Node, inType: boolean): DefInfo[] {
  const out: DefInfo[] = [];
  for (const a of stmt.namedChildren) {
    if (a?.type !== 'assignment') continue;
    const left = field(a, 'left');
    // Only `NAME = ...` (and `NAME: T = ...`): tuples, attributes and subscripts bind nothing new here.
    if (left?.type !== 'identifier') continue;
    out.push(def(inType ? 'field' : constantOrVariable(left.text), left, { light: true }));
  }
  return out;
}

const CONDITIONAL: ReadonlySet<string> = new Set(['if_statement', 'elif_clause', 'else_clause', 'try_statement', 'except_clause', 'finally_clause', 'block']);

const MAIN_GUARD = /^__name__\s*==\s*['"]__main__['"]$/;

export const pythonRules: LanguageRules = {
  grammar: 'python',
  unwrap(node) {
    if (node.type === 'decorated_definition') {
      const inner = field(node, 'definition');
      return inner ? [inner] : [];
    }
    return null;
  },
  define(node, ctx) {
    switch (node.type) {
      case 'function_definition': {
        const name = field(node, 'name');
        if (!name) return [];
        const kind = !ctx.inType ? 'function' : name.text === '__init__' ? 'constructor' : 'method';
        // The decorated wrapper, when there is one, is where the definition starts.
        const rangeNode = node.parent?.type === 'decorated_definition' ? node.parent : node;
        return [def(kind, name, { rangeNode })];
      }
      case 'class_definition': {
        const name = field(node, 'name');
        if (!name) return [];
        const rangeNode = node.parent?.type === 'decorated_definition' ? node.parent : node;
        return [def('class', name, { body: field(node, 'body'), rangeNode })];
      }
      case 'expression_statement':
        return assignmentTargets(node, ctx.inType);
      case 'type_alias_statement': {
        const left = node.namedChildren[0];
        const name = left?.type === 'type' ? (left.namedChildren[0] ?? left) : left;
        return name ? [def('type', name, { light: true })] : [];
      }
      default:
        return [];
    }
  },
  // Definitions under module/class-level `if`/`try` (platform switches, optional imports) are
  // real definitions; function bodies are never scanned, so this does not reach locals.
  // The `if __name__ == "__main__":` script block is the exception: its names are script locals.
  transparent(node) {
    if (!CONDITIONAL.has(node.type)) return null;
    if (node.type === 'if_statement' && MAIN_GUARD.test(field(node, 'condition')?.text ?? '')) return null;
    return node;
  },
  isLeading(node) {
    return node.type === 'comment';
  },
};
