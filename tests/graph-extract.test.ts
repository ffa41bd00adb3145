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
