import t from 'tap';
import { CHUNKER_VERSION, TREE_SITTER_LANGUAGES, hasStructuredChunker, languageForPath } from '../daemon/lang/languages.js';
import { ALL_GRAMMARS, grammarWasmPath, loadLanguage } from '../daemon/lang/grammars.js';
import { rulesFor } from '../daemon/lang/rules/index.js';

t.test('extensions and well-known names map to language ids', async (t) => {
  const cases: [string, string | null][] = [
    ['src/a.py', 'python'],
    ['types.pyi', 'python'],
    ['a.js', 'javascript'],
    ['a.mjs', 'javascript'],
    ['a.cjs', 'javascript'],
    ['a.jsx', 'jsx'],
    ['a.ts', 'typescript'],
    ['a.d.ts', 'typescript'],
    ['a.mts', 'typescript'],
    ['a.tsx', 'tsx'],
    ['A.java', 'java'],
    ['a.c', 'c'],
    ['a.h', 'c'],
    ['a.hpp', 'cpp'],
    ['a.cc', 'cpp'],
    ['a.cxx', 'cpp'],
    ['a.hh', 'cpp'],
    ['a.go', 'go'],
    ['lib.rs', 'rust'],
    ['a.rb', 'ruby'],
    ['Gemfile', 'ruby'],
    ['a.cs', 'csharp'],
    ['index.php', 'php'],
    ['README.md', 'markdown'],
    ['docs/Guide.MARKDOWN', 'markdown'],
    ['package.json', 'json'],
    ['.github/workflows/ci.yml', 'yaml'],
    ['Cargo.toml', 'toml'],
    ['run.sh', 'shell'],
    ['q.sql', 'sql'],
    ['App.kt', 'kotlin'],
    ['Makefile', 'make'],
    ['Dockerfile', 'dockerfile'],
    ['Dockerfile.dev', 'dockerfile'],
    ['CMakeLists.txt', 'cmake'],
    ['.env.local', 'dotenv'],
    ['LICENSE', 'text'],
    ['notes.txt', 'text'],
    ['BUILD', 'starlark'],
    ['build', 'text'],
    ['constructor', 'text'],
    ['x.__proto__', null],
    ['x.toString', null],
    ['image.png', null],
    ['archive.tar.gz', null],
  ];
  for (const [path, lang] of cases) t.equal(languageForPath(path), lang, path);
});

t.test('a sample of the file resolves .h and extensionless scripts', async (t) => {
  t.equal(languageForPath('x.h', 'namespace geo {\nclass A {};\n}\n'), 'cpp');
  t.equal(languageForPath('x.h', '#include <vector>\nstd::vector<int> v;\n'), 'cpp');
  t.equal(languageForPath('x.h', '#ifndef X_H\n#define X_H\nint f(void);\n#endif\n'), 'c');
  t.equal(languageForPath('bin/tool', '#!/usr/bin/env python3\nprint(1)\n'), 'python');
  t.equal(languageForPath('bin/tool', '#!/bin/bash\necho hi\n'), 'shell');
  t.equal(languageForPath('bin/tool', '#!/usr/bin/env node\n'), 'javascript');
  t.equal(languageForPath('bin/tool', 'plain text\n'), 'text');
});

t.test('every tree-sitter language has rules and a loadable grammar', async (t) => {
  t.equal(TREE_SITTER_LANGUAGES.length, 13);
  t.ok(['number', 'string'].includes(typeof CHUNKER_VERSION));
  for (const lang of TREE_SITTER_LANGUAGES) {
    t.ok(rulesFor(lang), `${lang} has rules`);
    t.ok(hasStructuredChunker(lang));
  }
  t.ok(hasStructuredChunker('markdown'));
  t.notOk(hasStructuredChunker('yaml'));
  t.equal(rulesFor('yaml'), null);
  t.equal(rulesFor('constructor'), null, 'no prototype keys leak through');
  for (const g of ALL_GRAMMARS) {
    t.match(grammarWasmPath(g), /\.wasm$/);
    const lang = await loadLanguage(g);
    t.ok(lang.abiVersion >= 13, `${g} ABI ${lang.abiVersion}`);
  }
});
