/**
 * JavaScript, JSX, TypeScript and TSX (one rule set: the TS grammars extend
 * the JS one). Definitions: function and generator declarations, classes
 * (incl. abstract), methods, fields, `const f = () => ...` / `function`
 * expressions / class expressions bound to a name, TS interfaces, type
 * aliases, enums, namespaces and `declare module`, overload signatures.
 * `export`, `export default`, `declare` wrappers belong to the definition;
 * decorators are children of the class/method node. Leading comments
 * (JSDoc and `//`) attach.
 */
import type { GrammarId } from '../grammars.js';
import { constantOrVariable, def, field, type DefInfo, type LanguageRules, type Node } from './types.js';

const FUNCTION_VALUES: ReadonlySet<string> = new Set(['arrow_function', 'function_expression', 'function', 'generator_function']);
const CLASS_VALUES: ReadonlySet<string> = new Set(['class', 'class_expression']);

const STATEMENT_DEFS: ReadonlySet<string> = new Set(['internal_module', 'module', 'assignment_expression']);
const IDENTIFIER_CHAIN = /^[\p{L}_$][\p{L}\p{N}_$]*(?:\.[\p{L}_$][\p{L}\p{N}_$]*)*$/u;

/** `a.b.f = function () {}`: f, scoped by `a.b` (without `.prototype`, and without `exports`/`module.exports`). */
function assignedFunction(node: Node): DefInfo[] {
  const left = field(node, 'left');
  const right = field(node, 'right');
  if (left?.type !== 'member_expression' || !right || !FUNCTION_VALUES.has(right.type)) return [];
  const name = field(left, 'property');
  const object = field(left, 'object');
  if (!name || !object || !IDENTIFIER_CHAIN.test(object.text)) return [];
  const owner = object.text.replace(/\.prototype$/, '');
  const isPrototype = owner !== object.text;
  const scope = owner === 'exports' || owner === 'module.exports' ? [] : owner.split('.');
  return [def(isPrototype ? 'method' : 'function', name, { scope })];
}

/** `export default function () {}` / `export default class {}`: named `default`. */
function defaultExport(node: Node): DefInfo[] {
  const parent = node.parent;
  if (parent?.type !== 'export_statement') return [];
  const keyword = parent.children.find((c) => c?.type === 'default');
  if (!keyword) return [];
  if (FUNCTION_VALUES.has(node.type)) return [def('function', keyword)];
  if (CLASS_VALUES.has(node.type)) return [def('class', keyword, { body: field(node, 'body') })];
  return [];
}

function variableDefs(decl: Node, ctx: { inType: boolean }): DefInfo[] {
  const isConst = decl.type === 'lexical_declaration' && decl.firstChild?.text === 'const';
  const out: DefInfo[] = [];
  for (const d of decl.namedChildren) {
    if (d?.type !== 'variable_declarator') continue;
    const name = field(d, 'name');
    // Destructuring patterns bind several names with no single definition: leave them as statements.
    if (name?.type !== 'identifier') continue;
    const value = field(d, 'value');
    if (value && FUNCTION_VALUES.has(value.type)) out.push(def('function', name, { rangeNode: d }));
    else if (value && CLASS_VALUES.has(value.type)) out.push(def('class', name, { body: field(value, 'body'), rangeNode: d }));
    else {
      const kind = isConst ? constantOrVariable(name.text) : 'variable';
      out.push(def(ctx.inType ? 'field' : kind, name, { light: true, rangeNode: d }));
    }
  }
  // A single declarator's symbol spans the whole statement (`export const x = ...;`).
  if (out.length === 1) delete out[0].rangeNode;
  return out;
}

function methodKind(name: string, ctx: { inType: boolean }): DefInfo['kind'] {
  if (!ctx.inType) return 'function';
  return name === 'constructor' ? 'constructor' : 'method';
}

function defineNode(node: Node, ctx: { inType: boolean }): DefInfo[] {
  switch (node.type) {
    case 'function_declaration':
    case 'generator_function_declaration': {
      const name = field(node, 'name');
      return name ? [def('function', name)] : [];
    }
    case 'function_signature': {
      // Overload signatures and `declare function`: symbols, grouped with the implementation.
      const name = field(node, 'name');
      return name ? [def('function', name, { light: true })] : [];
    }
    case 'class_declaration':
    case 'abstract_class_declaration':
    case 'class': {
      const name = field(node, 'name');
      return name ? [def('class', name, { body: field(node, 'body') })] : defaultExport(node);
    }
    case 'function_expression':
    case 'arrow_function':
    case 'generator_function':
    case 'function':
      return defaultExport(node);
    case 'assignment_expression':
      return assignedFunction(node);
    case 'method_definition': {
      const name = field(node, 'name');
      return name ? [def(methodKind(name.text, ctx), name)] : [];
    }
    case 'method_signature':
    case 'abstract_method_signature': {
      const name = field(node, 'name');
      return name ? [def(ctx.inType ? 'method' : 'function', name, { light: true })] : [];
    }
    case 'field_definition':
    case 'public_field_definition': {
      const name = field(node, 'property') ?? field(node, 'name');
      if (!name) return [];
      const value = field(node, 'value');
      // `handler = () => {...}` class fields are methods in all but name.
      if (value && FUNCTION_VALUES.has(value.type)) return [def('method', name)];
      return [def('field', name, { light: true })];
    }
    case 'property_signature': {
      const name = field(node, 'name');
      return name ? [def('property', name, { light: true })] : [];
    }
    case 'lexical_declaration':
    case 'variable_declaration':
      return variableDefs(node, ctx);
    case 'interface_declaration': {
      const name = field(node, 'name');
      return name ? [def('interface', name, { body: field(node, 'body') })] : [];
    }
    case 'type_alias_declaration': {
      const name = field(node, 'name');
      return name ? [def('type', name, { light: true })] : [];
    }
    case 'enum_declaration': {
      const name = field(node, 'name');
      return name ? [def('enum', name)] : [];
    }
    case 'internal_module': {
      const name = field(node, 'name');
      return name ? [def('namespace', name, { body: field(node, 'body') })] : [];
    }
    case 'module': {
      const name = field(node, 'name');
      if (!name) return [];
      // `declare module 'pkg'`: the name is a string literal; the symbol is the module specifier.
      const text = name.type === 'string' ? name.text.slice(1, -1) : name.text;
      return [{ kind: 'module', name: text, nameNode: name, body: field(node, 'body') }];
    }
    default:
      return [];
  }
}

function unwrap(node: Node): Node[] | null {
  switch (node.type) {
    case 'export_statement': {
      const inner = field(node, 'declaration') ?? field(node, 'value');
      return inner ? [inner] : [];
    }
    case 'ambient_declaration': {
      // `declare global {}` has no named declaration inside; `declare module/namespace/function/...` does.
      const inner = node.namedChildren.find((c) => c !== null && c.type !== 'statement_block');
      return inner ? [inner] : [];
    }
    case 'expression_statement': {
      // TS parses `namespace X {}` / `module X {}` at statement level as an expression statement.
      // Also `exports.f = function () {}` / `Foo.prototype.m = ...`: pre-class JavaScript definitions.
      const inner = node.namedChildren[0];
      return inner && STATEMENT_DEFS.has(inner.type) ? [inner] : [];
    }
    default:
      return null;
  }
}

function makeRules(grammar: GrammarId): LanguageRules {
  return {
    grammar,
    unwrap,
    define: defineNode,
    transparent() {
      return null;
    },
    isLeading(node) {
      return node.type === 'comment' || node.type === 'decorator';
    },
  };
}

export const javascriptRules = makeRules('javascript');
export const typescriptRules = makeRules('typescript');
export const tsxRules = makeRules('tsx');
