/**
 * Graph facts per language, from the real chunker and grammars: the kind, qualifier and
 * enclosing symbol of each use, imports and what they bind, locals left out.
 */
import t from 'tap';
import { parseFile } from '../daemon/lang/chunker.js';
import type { GraphRef } from '../daemon/lang/types.js';

const site = (r: GraphRef) => `${r.line}:${r.name}:${r.kind}:${r.qualifier ?? '-'}:${r.enclosing ?? '-'}`;

async function graphOf(language: string, text: string) {
  const parsed = await parseFile(`x.${language}`, text, language);
  t.ok(parsed.graph, `${language} has graph facts`);
  return parsed.graph!;
}

t.test('python: calls, self members, imports, inheritance; locals and keyword names left out', async (t) => {
  const g = await graphOf(
    'python',
    [
      'import a.b as x',
      'from .m import n as k, o',
      'class A(B):',
      '    def f(self, y, *rest, **kw):',
      '        self.g(y, key=1)',
      '        z = x.h()',
      '        o.p = 3',
      '        return k(z)',
      'def g():',
      '    f()',
      '',
    ].join('\n'),
  );
  const sites = g.refs.map(site);
  t.same(g.imports, [
    { local: 'x', module: 'a.b', name: null, line: 1 },
    { local: 'k', module: '.m', name: 'n', line: 2 },
    { local: 'o', module: '.m', name: 'o', line: 2 },
  ]);
  for (const s of [
    '2:n:import:-:-',
    '3:B:inherit:-:A',
    '5:g:call:self:A.f',
    '6:x:read:-:A.f',
    '6:h:call:x:A.f',
    '7:p:write:o:A.f',
    '8:k:call:-:A.f',
    '10:f:call:-:g',
  ])
    t.ok(sites.includes(s), s);
  t.notOk(
    g.refs.some((r) => ['y', 'z', 'rest', 'kw', 'key', 'self'].includes(r.name) && r.qualifier === null),
    'parameters, locals, keyword-argument names and self are not references',
  );
});

t.test('typescript: named, namespace and re-exported imports; this members; heritage; types; new', async (t) => {
  const g = await graphOf(
    'typescript',
    [
      "import { a as b } from './x';",
      "import * as ns from 'y';",
      "export { c } from './z';",
      'class A extends B implements I {',
      '  m(x: T): void {',
      '    this.n(x);',
      '    ns.f();',
      '    b();',
      '  }',
      '}',
      'function g() {',
      '  const v = new C();',
      '  obj.p = 1;',
      '  return v;',
      '}',
      '',
    ].join('\n'),
  );
  t.same(
    g.imports.map((i) => [i.local, i.module, i.name]),
    [
      ['b', './x', 'a'],
      ['ns', 'y', null],
      ['c', './z', 'c'],
    ],
  );
  const sites = g.refs.map(site);
  for (const s of [
    '1:a:import:-:-',
    '4:B:inherit:-:A',
    '4:I:inherit:-:A',
    '5:T:type:-:A.m',
    '6:n:call:this:A.m',
    '7:f:call:ns:A.m',
    '8:b:call:-:A.m',
    '12:C:call:-:g',
    '13:p:write:obj:g',
  ])
    t.ok(sites.includes(s), s);
  t.notOk(
    g.refs.some((r) => (r.name === 'v' || r.name === 'x') && r.qualifier === null),
    'locals and parameters are not references',
  );
});

t.test('go: package, import aliases, selector calls, types', async (t) => {
  const g = await graphOf(
    'go',
    ['package p', '', 'import (', '\tf "fmt"', '\t"a/b"', ')', '', 'func (r *T) M(x int) {', '\tf.Println(r.N(x))', '\tvar z b.V', '\t_ = z', '}', ''].join(
      '\n',
    ),
  );
  t.equal(g.pkg, 'p');
  t.same(
    g.imports.map((i) => [i.local, i.module]),
    [
      ['f', 'fmt'],
      ['b', 'a/b'],
    ],
  );
  const sites = g.refs.map(site);
  for (const s of ['9:Println:call:f:T.M', '9:N:call:r:T.M', '10:V:type:b:T.M']) t.ok(sites.includes(s), s);
  t.notOk(
    g.refs.some((r) => r.name === 'x' || r.name === 'z'),
    'parameters and locals are not references',
  );
});

t.test('java: imports, method invocations, inheritance, object creation', async (t) => {
  const g = await graphOf(
    'java',
    'package a.b;\nimport c.d.E;\nclass A extends B implements I {\n  void m(int x) {\n    this.n(x);\n    E.s();\n    q();\n    new C();\n  }\n}\n',
  );
  t.equal(g.pkg, 'a.b');
  t.same(g.imports, [{ local: 'E', module: 'c.d', name: 'E', line: 2 }]);
  const sites = g.refs.map(site);
  for (const s of ['3:B:inherit:-:A', '3:I:inherit:-:A', '5:n:call:this:A.m', '6:s:call:E:A.m', '7:q:call:-:A.m', '8:C:call:-:A.m']) t.ok(sites.includes(s), s);
});

t.test('rust: use trees, method and path calls, trait impls', async (t) => {
  const g = await graphOf(
    'rust',
    'use a::b::{C, D as E};\nstruct S;\nimpl T for S {\n    fn m(&self, x: i32) {\n        self.n(x);\n        E::k();\n        g();\n    }\n}\n',
  );
  t.same(
    g.imports.map((i) => [i.local, i.module, i.name]),
    [
      ['C', 'a::b', 'C'],
      ['E', 'a::b', 'D'],
    ],
  );
  const sites = g.refs.map(site);
  for (const s of ['3:T:inherit:-:S', '5:n:call:self:S.m', '6:k:call:E:S.m', '7:g:call:-:S.m']) t.ok(sites.includes(s), `${s} in ${sites.join(' ')}`);
});

t.test('turning the graph off leaves the chunks as they are', async (t) => {
  const text = 'def f():\n    return g()\n';
  const on = await parseFile('a.py', text, 'python');
  const off = await parseFile('a.py', text, 'python', { graph: false });
  t.equal(off.graph, undefined);
  t.same(off.chunks, on.chunks);
  t.same(off.symbols, on.symbols);
});

t.test('c/c++ (best effort): includes, calls, field and scoped access; a recursive call is not a local', async (t) => {
  const g = await graphOf(
    'cpp',
    '#include "util.h"\nint add(int a, int b) {\n  int c = a + b;\n  s.f = helper(c);\n  ns::g();\n  obj->m();\n  return add(c, 1);\n}\nclass K : public Base {};\n',
  );
  t.same(g.imports, [{ local: '', module: 'util.h', name: null, line: 1 }]);
  const sites = g.refs.map(site);
  for (const s of ['4:f:write:s:add', '4:helper:call:-:add', '5:g:call:ns:add', '6:m:call:obj:add', '7:add:call:-:add', '9:Base:inherit:-:K'])
    t.ok(sites.includes(s), `${s} in ${sites.join(' ')}`);
  t.notOk(
    g.refs.some((r) => ['a', 'b', 'c'].includes(r.name)),
    'parameters and locals are not references',
  );
  const py = await graphOf('python', 'def fact(n):\n    return 1 if n < 2 else n * fact(n - 1)\n');
  t.ok(
    py.refs.some((r) => r.name === 'fact' && r.kind === 'call'),
    'a recursive Python call is kept',
  );
});

t.test('patterns: endpoints, database queries, error handling', async (t) => {
  const js = await graphOf(
    'javascript',
    "app.get('/health', health);\nrouter.post('/u/:id', async (req, res) => { try { await db.query('select 1 from t'); } catch (e) { throw e; } });\nmap.get('key');\n",
  );
  t.same(
    js.patterns!.map((p) => `${p.line}:${p.tag}:${p.detail}:${p.handler ?? '-'}`),
    [
      '1:endpoint:GET /health:health',
      '2:endpoint:POST /u/:id:-',
      '2:error-handling:try:-',
      '2:db-query:db.query():-',
      '2:db-query:select 1 from t:-',
      '2:error-handling:catch:-',
      '2:error-handling:throw:-',
    ],
    "map.get('key') is not a route",
  );
  const py = await graphOf(
    'python',
    '@app.route("/users/<id>", methods=["GET", "POST"])\ndef user(id):\n    pass\n\n@router.post("/items")\nasync def create():\n    pass\n',
  );
  t.same(
    py.patterns!.map((p) => `${p.detail}:${p.handler}`),
    ['GET,POST /users/<id>:user', 'POST /items:create'],
  );
  const java = await graphOf(
    'java',
    'class C {\n  @GetMapping("/a/{id}")\n  A get(String id) { return null; }\n  @RequestMapping(value = "/b", method = RequestMethod.POST)\n  void b() {}\n}\n',
  );
  t.same(
    java.patterns!.map((p) => `${p.detail}:${p.handler}`),
    ['GET /a/{id}:get', 'POST /b:b'],
  );
  const go = await graphOf('go', 'package main\n\nfunc main() {\n\thttp.HandleFunc("/hello", hello)\n\tif err != nil {\n\t\treturn\n\t}\n}\n');
  t.same(
    go.patterns!.map((p) => `${p.tag}:${p.detail}`),
    ['endpoint:ANY /hello', 'error-handling:if err != nil'],
  );
});
