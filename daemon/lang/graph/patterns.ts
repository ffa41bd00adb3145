/**
 * Code patterns found while walking for the graph: HTTP endpoints (Express/Fastify/Koa/Hono
 * style `app.get('/x', h)`, Flask/FastAPI `@app.route('/x')` / `@router.post('/x')`, Spring
 * `@GetMapping("/x")`, Go `http.HandleFunc("/x", h)` / gin `r.GET("/x", h)`), database queries
 * (SQL in string literals, query/execute calls on a receiver) and error handling (try/catch/
 * except, raise/throw, Go's `if err != nil`, Rust's `?`). Each is a line and a detail; a chunk's
 * tags are the patterns on its lines.
 */
import type { Node } from 'web-tree-sitter';
import type { CodePattern } from './types.js';

const HTTP_VERBS = new Set(['get', 'post', 'put', 'delete', 'patch', 'head', 'options', 'all']);
const ROUTE_CALLS = new Set([...HTTP_VERBS, ...[...HTTP_VERBS].map((v) => v.toUpperCase()), 'route', 'HandleFunc', 'Handle', 'Any']);
const SPRING = new Map([
  ['GetMapping', 'GET'],
  ['PostMapping', 'POST'],
  ['PutMapping', 'PUT'],
  ['DeleteMapping', 'DELETE'],
  ['PatchMapping', 'PATCH'],
  ['RequestMapping', 'ANY'],
]);
const DB_CALLS = new Set([
  'execute',
  'executemany',
  'executescript',
  'query',
  'raw',
  'QueryRow',
  'Query',
  'Exec',
  'QueryContext',
  'ExecContext',
  'QueryRowContext',
  'findMany',
  'findUnique',
  'findFirst',
  'createQueryBuilder',
  'prepare',
]);
/** Every call name a pattern can start from (the graph walk asks endpointAt/dbCallAt only for these). */
export const PATTERN_CALLS: ReadonlySet<string> = new Set([...ROUTE_CALLS, ...SPRING.keys(), ...DB_CALLS]);
const SQL = /^\s*(select\s[\s\S]*\sfrom\s|insert\s+into\s|update\s+\S+\s+set\s|delete\s+from\s|with\s+\w+\s+as\s*\(|create\s+(table|index)\s)/i;
/** String leaves whose text is the literal's content. */
export const STRING_CONTENT = new Set([
  'string_fragment',
  'string_content',
  'interpreted_string_literal_content',
  'raw_string_literal_content',
  'string_literal_content',
]);
/** Error-handling statements, by node type. */
export const ERROR_NODES: Readonly<Record<string, string>> = {
  try_statement: 'try',
  raise_statement: 'raise',
  throw_statement: 'throw',
  try_expression: '?',
  catch_clause: 'catch',
  except_clause: 'except',
};

const unquote = (s: string) => s.replace(/^[rbuf]*['"`]+|['"`]+$/gi, '');

/** The first string argument of a call or annotation, if it looks like a URL path. */
function routePath(args: Node | null): string | null {
  const first = args?.namedChildren.find((c) => c !== null && c.type !== 'comment');
  if (!first) return null;
  const lit = first.type === 'element_value_pair' ? first.childForFieldName('value') : first.type === 'keyword_argument' ? null : first;
  if (!lit || !/string/.test(lit.type)) return null;
  const p = unquote(lit.text);
  return p.startsWith('/') ? p : null;
}

/** `methods=["GET", "POST"]` (Flask) / `method = RequestMethod.POST` (Spring) among the arguments. */
function methodsArg(args: Node | null): string | null {
  for (const c of args?.namedChildren ?? []) {
    if (!c) continue;
    const key = c.childForFieldName('name')?.text ?? c.childForFieldName('key')?.text;
    if (key !== 'methods' && key !== 'method') continue;
    const words = (c.childForFieldName('value')?.text ?? '').match(/[A-Z]{3,7}/g);
    if (words?.length) return words.join(',');
  }
  return null;
}

/** The decorated/annotated definition's name, for a route declared above it. */
function decoratedName(node: Node): string | null {
  for (let p: Node | null = node; p; p = p.parent) {
    if (p.type === 'decorated_definition') return p.childForFieldName('definition')?.childForFieldName('name')?.text ?? null;
    if (p.type === 'method_declaration') return p.childForFieldName('name')?.text ?? null;
  }
  return null;
}

/**
 * An endpoint at a call named `name` (a verb or route function) or a Spring annotation; `node`
 * is the name's node. Null when the call does not declare a route.
 */
export function endpointAt(name: string, node: Node, line: number): CodePattern | null {
  if (SPRING.has(name)) {
    const ann = node.parent;
    if (ann?.type !== 'annotation') return null;
    const args = ann.childForFieldName('arguments');
    const path = routePath(args) ?? '/';
    return { tag: 'endpoint', line, detail: `${methodsArg(args) ?? SPRING.get(name)!} ${path}`, handler: decoratedName(ann) };
  }
  if (!ROUTE_CALLS.has(name)) return null;
  let call: Node | null = node.parent;
  while (call && call.type !== 'call_expression' && call.type !== 'call') call = call.parent;
  if (!call) return null;
  const args = call.childForFieldName('arguments');
  const path = routePath(args);
  if (!path) return null;
  const verb = HTTP_VERBS.has(name.toLowerCase()) ? name.toUpperCase() : (methodsArg(args) ?? 'ANY');
  const inDecorator = call.parent?.type === 'decorator';
  const last = args?.namedChildren.filter((c) => c !== null && c.type !== 'comment').at(-1);
  const handler = inDecorator
    ? decoratedName(call)
    : last && last !== args?.namedChildren[0] && /identifier|member|selector|attribute/.test(last.type)
      ? last.text
      : null;
  return { tag: 'endpoint', line, detail: `${verb} ${path}`, handler };
}

export function dbCallAt(name: string, qualifier: string | null, line: number): CodePattern | null {
  return qualifier !== null && DB_CALLS.has(name) ? { tag: 'db-query', line, detail: `${qualifier}.${name}()`, handler: null } : null;
}

export function sqlAt(text: string, line: number): CodePattern | null {
  return SQL.test(text) ? { tag: 'db-query', line, detail: text.trim().split(/\s+/).slice(0, 4).join(' ').slice(0, 60), handler: null } : null;
}

/** Go: `if err != nil {` is the error path. */
export function goErrorCheck(ifNode: Node, line: number): CodePattern | null {
  const cond = ifNode.childForFieldName('condition')?.text ?? '';
  return /\berr\s*!=\s*nil\b/.test(cond) ? { tag: 'error-handling', line, detail: 'if err != nil', handler: null } : null;
}
