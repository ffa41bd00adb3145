/**
 * The chunker on hostile or unusual input: syntax errors, empty files, deep
 * nesting, huge lines, CRLF, oversized definitions, tiny neighbours, parse
 * timeouts; plus the structural invariants on every sample under several bounds.
 */
import { readdirSync, readFileSync } from 'node:fs';
import t from 'tap';
import { DEFAULT_CHUNK_OPTIONS, parseFile } from '../daemon/lang/chunker.js';
import { languageForPath } from '../daemon/lang/languages.js';
import type { Chunk, ChunkOptions, ParsedFile } from '../daemon/lang/types.js';

const row = (c: Chunk) => `${c.startLine}-${c.endLine} ${c.kind} ${c.symbol ?? '-'}`;

/** Ordered, disjoint, exact text, every non-blank line covered, bounds kept (a lone long line excepted). */
function violations(text: string, r: ParsedFile, opts: ChunkOptions = {}): string[] {
  const maxLines = opts.maxChunkLines ?? DEFAULT_CHUNK_OPTIONS.maxChunkLines;
  const maxChars = opts.maxChunkChars ?? DEFAULT_CHUNK_OPTIONS.maxChunkChars;
  const lines = text.split('\n');
  const covered = new Uint8Array(lines.length + 1);
  let prevEnd = 0;
  const problems: string[] = [];
  for (const c of r.chunks) {
    if (c.startLine <= prevEnd) problems.push(`${row(c)} overlaps or is out of order`);
    if (c.endLine < c.startLine || c.endLine > lines.length) problems.push(`${row(c)} has a bad range`);
    if (c.text !== lines.slice(c.startLine - 1, c.endLine).join('\n')) problems.push(`${row(c)} text is not its lines`);
    if (c.endLine - c.startLine + 1 > maxLines) problems.push(`${row(c)} exceeds ${maxLines} lines`);
    if (c.text.length > maxChars && c.startLine !== c.endLine) problems.push(`${row(c)} exceeds ${maxChars} chars`);
    for (let n = c.startLine; n <= c.endLine; n++) covered[n] = 1;
    prevEnd = c.endLine;
  }
  lines.forEach((l, i) => {
    if (l.trim() !== '' && !covered[i + 1]) problems.push(`line ${i + 1} is not in any chunk`);
  });
  return problems;
}

t.test('a syntax error keeps the definitions around it', async (t) => {
  const text = [
    'import os',
    '',
    'def good(a):',
    '    return a + 1',
    '',
    'def broken(:',
    '    return 2',
    '',
    'class Kept:',
    '    def m(self):',
    '        return 3',
    '',
  ].join('\n');
  const r = await parseFile('broken.py', text, 'python');
  t.equal(r.fallback, false);
  t.strictSame(
    r.symbols.map((s) => `${s.container ?? ''}::${s.name}`),
    ['::good', '::broken', '::Kept', 'Kept::m'],
  );
  t.strictSame(r.chunks.map(row), ['1-4 function good', '6-7 function broken', '9-11 class Kept']);
  t.strictSame(violations(text, r), [], 'chunk invariants');

  const java = 'class A {\n  void ok() { return; }\n  void bad( { int x = ; }\n  void alsoOk() {}\n}\n';
  const j = await parseFile('A.java', java, 'java');
  t.equal(j.fallback, false);
  t.ok(
    j.symbols.some((s) => s.name === 'A' && s.kind === 'class'),
    'class survives',
  );
  t.ok(
    j.symbols.some((s) => s.name === 'ok'),
    'method before the error survives',
  );
  t.strictSame(violations(java, j), [], 'chunk invariants');
});

t.test('a file that is all syntax error falls back to windows with parseError', async (t) => {
  const text = '%%% ((( ]]] }}} @@@\n!!! ::: <<<>>> ^^^\n';
  const r = await parseFile('garbage.py', text, 'python');
  t.equal(r.fallback, true);
  t.match(r.parseError, /syntax errors/);
  t.strictSame(r.chunks.map(row), ['1-2 window -']);
  t.strictSame(r.symbols, []);
});

t.test('empty and blank files give no chunks and no symbols', async (t) => {
  for (const language of ['python', 'javascript', 'go', 'markdown', 'yaml', 'nonexistent-language']) {
    for (const text of ['', '\n\n', '   \r\n\t\n']) {
      const r = await parseFile('empty', text, language);
      t.strictSame({ chunks: r.chunks, symbols: r.symbols }, { chunks: [], symbols: [] }, `${language} ${JSON.stringify(text)}`);
      t.equal(r.parseError, undefined);
    }
  }
});

t.test('5,000 nested brackets: no crash, later definitions still found', async (t) => {
  const cases: [string, string, string][] = [
    ['python', `x = ${'['.repeat(5000)}${']'.repeat(5000)}\n\ndef after():\n    return 1\n`, 'after'],
    ['javascript', `const x = ${'['.repeat(5000)}${']'.repeat(5000)};\n\nfunction after() {\n  return 1;\n}\n`, 'after'],
    ['c', `int x[] = ${'{'.repeat(5000)}${'}'.repeat(5000)};\n\nint after(void) {\n  return 1;\n}\n`, 'after'],
    ['rust', `const X: i32 = ${'('.repeat(5000)}1${')'.repeat(5000)};\n\nfn after() -> i32 {\n    1\n}\n`, 'after'],
  ];
  for (const [language, text, name] of cases) {
    // Liveness (no pathological blow-up shows as this test's timeout), not speed: parse
    // throughput is in bench/parse-throughput.ts.
    const r = await parseFile(`deep.${language}`, text, language);
    t.ok(
      r.symbols.some((s) => s.name === name),
      `${language}: ${name} found`,
    );
    t.equal(r.chunks.at(-1)?.symbol, name);
    t.strictSame(violations(text, r), [], 'chunk invariants');
  }
  // Unclosed: the error swallows everything after it; still no crash and full coverage.
  const open = `x = ${'['.repeat(5000)}\ndef after():\n    return 1\n`;
  const r = await parseFile('open.py', open, 'python');
  t.ok(r.chunks.length >= 1);
  t.strictSame(violations(open, r), [], 'chunk invariants');
});

t.test('a huge one-line file is one chunk (chunks never cut a line)', async (t) => {
  const js = Array.from({ length: 30000 }, (_, i) => `function f${i}(a){return a+${i}}`).join(';');
  const r = await parseFile('min.js', js, 'javascript');
  t.strictSame(r.chunks.map(row), ['1-1 function f0']);
  t.equal(r.chunks[0].text, js);
  t.equal(r.symbols.length, 30000, 'every function is still a symbol');
  t.ok(
    r.symbols.every((s) => s.signature.length <= 200),
    'signatures are bounded',
  );

  const json = `[${Array.from({ length: 100000 }, (_, i) => i).join(',')}]`;
  const j = await parseFile('data.json', json, 'json');
  t.strictSame(j.chunks.map(row), ['1-1 window -']);

  const tooBig = await parseFile('big.py', 'x = 1\n'.repeat(100), 'python', { maxParseChars: 100 });
  t.equal(tooBig.fallback, true);
  t.match(tooBig.parseError, /too large/);
  t.strictSame(violations('x = 1\n'.repeat(100), tooBig), [], 'chunk invariants');
});

t.test('CRLF: same line numbers as LF, text kept exact (with its \\r)', async (t) => {
  const lf = 'import os\n\n\ndef f():\n    return 1\n\n\nclass A:\n    x = 1\n\n    def m(self):\n        pass\n';
  const crlf = lf.replace(/\n/g, '\r\n');
  const a = await parseFile('a.py', lf, 'python');
  const b = await parseFile('b.py', crlf, 'python');
  t.strictSame(b.chunks.map(row), a.chunks.map(row));
  t.strictSame(
    b.symbols.map((s) => [s.name, s.startLine, s.endLine, s.nameLine, s.nameColumn, s.signature]),
    a.symbols.map((s) => [s.name, s.startLine, s.endLine, s.nameLine, s.nameColumn, s.signature]),
  );
  t.equal(b.chunks[0].text, 'import os\r\n\r\n\r\ndef f():\r\n    return 1\r');
  t.strictSame(violations(crlf, b), [], 'chunk invariants');

  const md = '# Title\r\n\r\nIntro\r\n\r\n## Part\r\ntext\r\n';
  const m = await parseFile('r.md', md, 'markdown', { maxChunkLines: 3 });
  t.strictSame(m.chunks.map(row), ['1-3 section Title', '5-6 section Part']);
});

t.test('an oversized definition becomes bounded windows that keep its symbol', async (t) => {
  const body = Array.from({ length: 300 }, (_, i) => `    total += ${i}${i % 25 === 24 ? '\n' : ''}`).join('\n');
  const text = `def big():\n    total = 0\n${body}\n    return total\n\n\ndef small():\n    return 1\n`;
  const r = await parseFile('big.py', text, 'python');
  const windows = r.chunks.filter((c) => c.symbol === 'big');
  t.ok(windows.length >= 3, `${windows.length} windows`);
  t.ok(
    windows.every((c) => c.kind === 'function'),
    'kind kept',
  );
  t.ok(
    windows.every((c) => c.endLine - c.startLine + 1 <= 120),
    'each within maxChunkLines',
  );
  t.equal(windows[0].startLine, 1);
  t.ok(
    windows.every((c, i) => i === 0 || c.startLine > windows[i - 1].endLine),
    'consecutive',
  );
  t.ok(windows.at(-1)!.endLine - windows.at(-1)!.startLine + 1 >= 30, 'no sliver at the end');
  t.equal(r.chunks.at(-1)?.symbol, 'small');
  t.strictSame(violations(text, r), [], 'chunk invariants');

  // The character bound splits too: 80 lines of ~150 chars > 6000 chars.
  const wide = `function wide() {\n${Array.from({ length: 80 }, (_, i) => `  const v${i} = '${'x'.repeat(130)}';`).join('\n')}\n}\n`;
  const w = await parseFile('wide.js', wide, 'javascript');
  t.ok(w.chunks.length >= 2, 'split by characters');
  t.ok(w.chunks.every((c) => c.symbol === 'wide' && c.text.length <= 6000));
  t.strictSame(violations(wide, w), [], 'chunk invariants');
});

t.test('a big class splits into a header and members; a small one stays whole', async (t) => {
  const methods = Array.from({ length: 12 }, (_, i) => `  m${i}() {\n${'    this.x++;\n'.repeat(10)}  }\n`).join('\n');
  const text = `class Big {\n  x = 0;\n  y = 1;\n\n${methods}}\n\nclass Small {\n  a() {}\n}\n`;
  const r = await parseFile('big.js', text, 'javascript');
  const rows = r.chunks.map(row);
  t.equal(rows[0], '1-3 header Big', 'header: class line plus the fields before the first member');
  t.equal(rows.filter((x) => / method Big\.m\d+$/.test(x)).length, 12, 'one chunk per method');
  t.match(rows.at(-1), / class Small$/);
  t.match(rows.at(-2), / method Big\.m11$/, 'the closing brace joined the last method');
  t.strictSame(violations(text, r), [], 'chunk invariants');
});

t.test('tiny neighbours merge; definitions never merge with each other', async (t) => {
  const go = 'package main\n\nimport "fmt"\n\nfunc a() { fmt.Println(1) }\n\nfunc b() {}\nfunc c() {}\n';
  const r = await parseFile('m.go', go, 'go');
  t.strictSame(r.chunks.map(row), ['1-5 function a', '7-7 function b', '8-8 function c']);

  // Three or more lines of statements are worth their own chunk.
  const py = 'import a\nimport b\nimport c\n\ndef f():\n    pass\n\nx = 1\n';
  const p = await parseFile('m.py', py, 'python');
  t.strictSame(p.chunks.map(row), ['1-3 statements -', '5-8 function f']);

  // A tiny run goes to the closer neighbour: here the overloads belong to the implementation below.
  const ts = 'const a = () => 1;\n\nexport function g(x: string): string;\nexport function g(x: unknown) {\n  return x;\n}\n';
  const s = await parseFile('m.ts', ts, 'typescript');
  t.strictSame(s.chunks.map(row), ['1-1 function a', '3-6 function g']);

  // Merging never pushes a chunk that fits over the bounds.
  const bounded = await parseFile('m.go', go, 'go', { maxChunkLines: 2 });
  t.ok(bounded.chunks.every((c) => c.endLine - c.startLine + 1 <= 2));
  t.ok(
    bounded.chunks.some((c) => c.kind === 'statements'),
    'the run stayed on its own',
  );
});

t.test('symbol-only declarations get their own chunk when long or documented', async (t) => {
  const dts = '/**\n * Parses an integer.\n * @param s the text\n */\ndeclare function parseInt(s: string): number;\n\ndeclare function bare(): void;\n';
  const d = await parseFile('lib.d.ts', dts, 'typescript');
  t.strictSame(d.chunks.map(row), ['1-7 function parseInt'], 'documented: own chunk (the bare one-liner joins it)');

  const h = 'int a(void);\nint b(void);\nint c(void);\n\n/* Frees a ring.\n * Safe on NULL.\n * Never fails.\n */\nvoid ring_free(void *r);\n';
  const c = await parseFile('ring.h', h, 'c');
  t.strictSame(c.chunks.map(row), ['1-3 statements -', '5-9 function ring_free']);
  t.strictSame(
    c.symbols.map((s) => s.name),
    ['a', 'b', 'c', 'ring_free'],
    'prototypes are symbols either way',
  );

  const py = 'CONFIG = {\n    "a": 1,\n    "b": 2,\n    "c": 3,\n}\nLIMIT = 3\n';
  const p = await parseFile('conf.py', py, 'python');
  t.strictSame(p.chunks.map(row), ['1-6 constant CONFIG']);
});

t.test('comments attach only when directly above; a /** block also across one blank line', async (t) => {
  const py = '# about f\ndef f():\n    pass\n\n# a section banner\n\ndef g():\n    pass\n\nx = 1  # trailing\ndef h():\n    pass\n';
  const p = await parseFile('c.py', py, 'python', { minChunkLines: 0 });
  t.strictSame(p.chunks.map(row), ['1-3 function f', '5-5 statements -', '7-8 function g', '10-10 statements -', '11-12 function h']);

  const js = '/** File header. */\n\nfunction a() {}\n\n/**\n * Documents b.\n */\n\nfunction b() {}\n\n// not attached\n\nfunction c() {}\n';
  const j = await parseFile('c.js', js, 'javascript', { minChunkLines: 0 });
  t.strictSame(j.chunks.map(row), ['1-1 statements -', '3-3 function a', '5-9 function b', '11-11 statements -', '13-13 function c']);

  const rs = '//! Crate docs.\n/// Item docs.\n#[inline]\nfn f() {}\n';
  const r = await parseFile('c.rs', rs, 'rust', { minChunkLines: 0 });
  t.strictSame(r.chunks.map(row), ['1-1 statements -', '2-4 function f']);
});

t.test('a parse over its time budget falls back, and the next parse still works', async (t) => {
  const text = 'def f(a):\n    return [a, a + 1, a * 2]\n\n'.repeat(40000);
  const slow = await parseFile('slow.py', text, 'python', { parseTimeoutMs: 1 });
  t.equal(slow.fallback, true);
  t.match(slow.parseError, /timed out/);
  t.strictSame(violations(text, slow), [], 'chunk invariants');
  const next = await parseFile('next.py', 'def g():\n    pass\n', 'python');
  t.strictSame(next.chunks.map(row), ['1-2 function g']);
});

t.test('languages without a parser get line windows split at blank lines', async (t) => {
  const para = (n: number) => Array.from({ length: 25 }, (_, i) => `key${n}_${i}: value`).join('\n');
  const text = [para(1), para(2), para(3), para(4)].join('\n\n') + '\n';
  const r = await parseFile('c.yaml', text, 'yaml');
  t.equal(r.fallback, true);
  t.equal(r.parseError, undefined);
  // Windows of at most 60 lines that end at a paragraph break: 25+1+25 = 51 lines, then the rest.
  t.strictSame(r.chunks.map(row), ['1-51 window -', '53-103 window -']);
  t.strictSame(violations(text, r), [], 'chunk invariants');
});

t.test('markdown: fenced code and front matter never make headings', async (t) => {
  const text = '---\ntitle: x\n---\n# Doc\n\n```\n# not a heading\n```\n\nSetext\n======\n\nbody\n';
  const r = await parseFile('d.md', text, 'markdown');
  t.strictSame(
    r.symbols.map((s) => `${s.container ?? ''}::${s.name} ${s.startLine}-${s.endLine}`),
    ['::Doc 4-8', '::Setext 10-13'],
  );
  t.strictSame(violations(text, r), [], 'chunk invariants');
});

t.test('invariants hold for every sample under several bounds', async (t) => {
  const root = new URL('../fixtures/samples/', import.meta.url);
  const bounds: ChunkOptions[] = [{}, { maxChunkLines: 7 }, { maxChunkLines: 3, maxChunkChars: 120 }, { minChunkLines: 0 }];
  for (const dir of readdirSync(root)) {
    for (const name of readdirSync(new URL(`${dir}/`, root))) {
      const file = `${dir}/${name}`;
      const text = readFileSync(new URL(file, root), 'utf8');
      const language = languageForPath(file) ?? 'text';
      for (const opts of bounds) {
        const r = await parseFile(file, text, language, opts);
        t.strictSame(violations(text, r, opts), [], `${file} ${JSON.stringify(opts)}`);
      }
    }
  }
});
