/**
 * C and C++. Definitions: functions (C++ `A::B::f` out-of-class definitions
 * get container `A.B`), structs/unions/classes/enums with a body (named by
 * their typedef when there is one), namespaces (nested ones dotted), methods
 * defined in class bodies, templates (the `template <...>` line belongs to
 * the definition). Symbol-only: prototypes and in-class method declarations,
 * fields, top-level variables, typedefs/`using` aliases, `#define` macros.
 * Preprocessor conditionals, `extern "C" {}` and anonymous namespaces are
 * looked through. Leading comments (`///`, `/**` blocks, `//`) attach.
 */
import type { GrammarId } from '../grammars.js';
import { def, field, type DefContext, type DefInfo, type LanguageRules, type Node } from './types.js';

const DECLARATOR_WRAPPERS: ReadonlySet<string> = new Set([
  'function_declarator',
  'pointer_declarator',
  'reference_declarator',
  'array_declarator',
  'parenthesized_declarator',
  'attributed_declarator',
  'init_declarator',
]);

const RECORD_KINDS: Record<string, DefInfo['kind']> = {
  struct_specifier: 'struct',
  union_specifier: 'struct',
  class_specifier: 'class',
  enum_specifier: 'enum',
};

const PREPROC_BLOCKS: ReadonlySet<string> = new Set(['preproc_if', 'preproc_ifdef', 'preproc_else', 'preproc_elif', 'preproc_elifdef']);

/** Follow a declarator chain (`*`, `&`, `[]`, `(...)`, `= init`) down to the declared name. */
function declaredName(d: Node | null): { name: Node; isFunction: boolean } | null {
  let isFunction = false;
  for (let guard = 0; d && guard < 32; guard++) {
    if (d.type === 'function_declarator') isFunction = true;
    if (!DECLARATOR_WRAPPERS.has(d.type)) return { name: d, isFunction };
    d = field(d, 'declarator') ?? d.firstNamedChild;
  }
  return null;
}

/** Remove template arguments (`A<std::pair<K, V>>::f` -> `A::f`) so `::` inside them does not split names. */
function stripTemplateArgs(text: string): string {
  let out = '';
  let depth = 0;
  for (const ch of text) {
    if (ch === '<') depth++;
    else if (ch === '>') depth = Math.max(0, depth - 1);
    else if (depth === 0) out += ch;
  }
  return out;
}

/** Name, name node and scope of a possibly qualified name node. */
function qualifiedName(n: Node): { name: string; nameNode: Node; scope: string[] } | null {
  let nameNode = n;
  for (let guard = 0; nameNode.type === 'qualified_identifier' && guard < 32; guard++) {
    const inner = field(nameNode, 'name');
    if (!inner) break;
    nameNode = inner;
  }
  const parts = stripTemplateArgs(n.text)
    .split('::')
    .map((s) => s.replace(/\s+/g, ''))
    .filter((s) => s.length);
  const name = parts.pop();
  if (!name) return null;
  return { name, nameNode, scope: parts };
}

function functionDef(node: Node, ctx: DefContext): DefInfo[] {
  const decl = declaredName(field(node, 'declarator'));
  if (!decl) return [];
  const q = qualifiedName(decl.name);
  if (!q) return [];
  const owner = q.scope.length ? q.scope[q.scope.length - 1] : ctx.inType ? ctx.containerName : null;
  let kind: DefInfo['kind'] = owner ? 'method' : 'function';
  if (owner && q.name === owner) kind = 'constructor';
  return [{ kind, name: q.name, nameNode: q.nameNode, scope: q.scope }];
}

/** A struct/class/union/enum specifier with a body, named by `nameNode` (its tag or its typedef). */
function recordDef(spec: Node, nameNode: Node | null, rangeNode?: Node): DefInfo[] {
  const kind = RECORD_KINDS[spec.type];
  const body = field(spec, 'body');
  if (!kind || !body || !nameNode) return [];
  const q = qualifiedName(nameNode);
  if (!q) return [];
  return [{ kind, name: q.name, nameNode: q.nameNode, scope: q.scope, body, rangeNode }];
}

/** `declaration` / `field_declaration`: an inline record, then prototypes or variables/fields. */
function declarationDefs(node: Node, ctx: DefContext, inField: boolean): DefInfo[] {
  const out: DefInfo[] = [];
  const type = field(node, 'type');
  if (type && RECORD_KINDS[type.type]) out.push(...recordDef(type, field(type, 'name'), node));
  for (const d of node.childrenForFieldName('declarator')) {
    const decl = declaredName(d);
    if (!decl) continue;
    const q = qualifiedName(decl.name);
    if (!q) continue;
    let kind: DefInfo['kind'];
    if (decl.isFunction) kind = inField || ctx.inType ? (q.name === ctx.containerName ? 'constructor' : 'method') : 'function';
    else if (inField || ctx.inType) kind = 'field';
    else kind = 'variable';
    out.push({ kind, name: q.name, nameNode: q.nameNode, scope: q.scope, light: true });
  }
  return out;
}

function typedefDefs(node: Node): DefInfo[] {
  const type = field(node, 'type');
  const decl = declaredName(field(node, 'declarator'));
  if (!decl) return [];
  if (type && RECORD_KINDS[type.type] && field(type, 'body')) {
    return recordDef(type, decl.name).map((d) => ({ ...d, signatureNode: node }));
  }
  return [def('type', decl.name, { light: true })];
}

function defineNode(node: Node, ctx: DefContext): DefInfo[] {
  if (RECORD_KINDS[node.type]) return recordDef(node, field(node, 'name'));
  switch (node.type) {
    case 'function_definition':
      return functionDef(node, ctx);
    case 'declaration':
      return declarationDefs(node, ctx, false);
    case 'field_declaration':
      return declarationDefs(node, ctx, true);
    case 'type_definition':
      return typedefDefs(node);
    case 'alias_declaration': {
      const name = field(node, 'name');
      return name ? [def('type', name, { light: true })] : [];
    }
    case 'namespace_definition': {
      const name = field(node, 'name');
      if (!name) return [];
      const parts = name.text.split('::').map((s) => s.trim());
      const last = parts.pop() ?? name.text;
      return [{ kind: 'namespace', name: last, nameNode: name, scope: parts, body: field(node, 'body') }];
    }
    case 'preproc_def':
    case 'preproc_function_def': {
      const name = field(node, 'name');
      return name ? [def('macro', name, { light: true })] : [];
    }
    default:
      return [];
  }
}

function makeRules(grammar: GrammarId): LanguageRules {
  return {
    grammar,
    unwrap(node) {
      if (node.type === 'template_declaration') {
        return node.namedChildren.filter((c): c is Node => c !== null && c.type !== 'template_parameter_list');
      }
      if (node.type === 'linkage_specification') {
        const body = field(node, 'body');
        return body && body.type !== 'declaration_list' ? [body] : [];
      }
      return null;
    },
    define: defineNode,
    transparent(node) {
      if (PREPROC_BLOCKS.has(node.type)) return node;
      if (node.type === 'linkage_specification') {
        const body = field(node, 'body');
        return body?.type === 'declaration_list' ? body : null;
      }
      // `namespace { ... }`: its members are file-local but belong to the enclosing scope's path.
      if (node.type === 'namespace_definition' && !field(node, 'name')) return field(node, 'body');
      return null;
    },
    isLeading(node) {
      return node.type === 'comment';
    },
  };
}

export const cRules = makeRules('c');
export const cppRules = makeRules('cpp');
