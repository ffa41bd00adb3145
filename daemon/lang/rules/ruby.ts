/**
 * Ruby: modules and classes (nested; `class A::B` gets container `A`),
 * methods (`initialize` is the constructor), singleton methods
 * (`def self.x`, and methods inside `class << self`, which is looked through),
 * top-level `def` as functions, constant assignments. `#` comments directly
 * above attach.
 */
import { def, field, splitQualified, type DefInfo, type LanguageRules, type Node } from './types.js';

function containerDef(node: Node, kind: DefInfo['kind']): DefInfo[] {
  const name = field(node, 'name');
  if (!name) return [];
  const parts = splitQualified(name.text);
  const last = parts.pop();
  if (!last) return [];
  const nameNode = name.type === 'scope_resolution' ? (field(name, 'name') ?? name) : name;
  return [{ kind, name: last, nameNode, scope: parts, body: field(node, 'body') ?? bodyOf(node) }];
}

/** Older grammar versions expose the body as an unnamed `body_statement` child. */
function bodyOf(node: Node): Node | null {
  return node.namedChildren.find((c) => c?.type === 'body_statement') ?? null;
}

export const rubyRules: LanguageRules = {
  grammar: 'ruby',
  unwrap() {
    return null;
  },
  define(node, ctx) {
    switch (node.type) {
      case 'class':
        return containerDef(node, 'class');
      case 'module':
        return containerDef(node, 'module');
      case 'method': {
        const name = field(node, 'name');
        if (!name) return [];
        if (!ctx.inType && ctx.containerName === null) return [def('function', name)];
        return [def(name.text === 'initialize' ? 'constructor' : 'method', name)];
      }
      case 'singleton_method': {
        const name = field(node, 'name');
        return name ? [def('method', name)] : [];
      }
      case 'assignment': {
        const left = field(node, 'left');
        return left?.type === 'constant' ? [def('constant', left, { light: true })] : [];
      }
      default:
        return [];
    }
  },
  transparent(node) {
    // `class << self ... end`: its methods are the enclosing class's singleton methods.
    return node.type === 'singleton_class' ? (field(node, 'body') ?? bodyOf(node)) : null;
  },
  isLeading(node) {
    return node.type === 'comment';
  },
};
