import t from 'tap';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DOCUMENT_MAX_TOKENS, StaticCodeEmbedder, defaultModelPath, loadStaticModel, lookupSpan } from '../daemon/embed/static-embedder.js';
import { forEachTokenSpan, tokenize } from '../daemon/embed/static-tokenizer.js';
import { SITE_PACKAGES, TRAIN_DOC_TOKENS, filesOf, functionsOf, installedHeldoutDirs } from '../daemon/embed/train/extract.js';
import { HeldoutViolation, bodyKey, checkPinnedList, heldoutPathReason, loadHeldout, verifyCorpus } from '../daemon/embed/train/heldout.js';
import { tempDir } from './helpers/cli.js';
import { loadConfig } from '../daemon/config/config.js';
import { Engine } from '../daemon/engine.js';
import { buildFixture } from '../fixtures/repos.js';

const cos = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i], 0);

t.test('tokenizer: identifier-split lowercase subwords, whole identifiers, no 1-char or number tokens', async (t) => {
  t.same(tokenize('parseJsonConfig(HTTPServer, utf8_name, x, 42, __init__)'), [
    'parse_json_config',
    'parse',
    'json',
    'config',
    'http_server',
    'http',
    'server',
    'utf8_name',
    'utf8',
    'name',
    'init',
  ]);
  t.same(tokenize('Return the sum of a and b.'), ['return', 'the', 'sum', 'of', 'and']);
  t.same(tokenize('a b c d e f', 3), [], 'single letters never count towards the cap');
  t.equal(tokenize('one two three four', 2).length, 2, 'capped');
});

t.test('tokenizer parity with the training pipeline (golden sample written by extract.ts)', async (t) => {
  const golden = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'daemon', 'embed', 'model', 'tokenizer-golden.json'), 'utf8')) as {
    text: string;
    tokens: string[];
  }[];
  t.ok(golden.length >= 20, `golden sample of ${golden.length} functions`);
  let same = 0;
  for (const g of golden) if (JSON.stringify(tokenize(g.text, TRAIN_DOC_TOKENS)) === JSON.stringify(g.tokens)) same++;
  t.equal(same, golden.length, 'the embedder tokenizes exactly as the model was trained');
  // The embedder's allocation-free path (spans looked up by hash) finds the same ids as the token strings.
  const m = loadStaticModel();
  let checked = 0;
  for (const g of [...golden.map((x) => x.text), 'HTTPServer getHTTPResponse parse_json_config XMLHttpRequest $scope __init__ utf8Decode']) {
    const viaStrings = tokenize(g, 1024).map((w) => m.ids.get(w) ?? -1);
    const viaSpans: number[] = [];
    forEachTokenSpan(g, 1024, (text, s, e, f, c) => {
      viaSpans.push(lookupSpan(m, text, s, e, f, c));
    });
    t.same(viaSpans, viaStrings);
    checked += viaSpans.filter((x) => x >= 0).length;
  }
  t.ok(checked > 500, `${checked} in-vocabulary tokens compared`);
});

t.test('the shipped model loads; vectors are deterministic and unit length', async (t) => {
  const m = loadStaticModel();
  t.ok(defaultModelPath().endsWith(join('daemon', 'embed', 'model', 'static-code.bin')));
  t.ok(m.vocab.length > 10_000, `vocabulary of ${m.vocab.length}`);
  const e = new StaticCodeEmbedder(m);
  t.equal(e.name, 'static');
  t.match(e.modelId, /^static-\d+\.\d+:[0-9a-f]{12}$/);
  t.equal(e.modelId.slice(-12), m.sha256.slice(0, 12), 'the model id carries the weights hash');
  const text = 'def read_config(path):\n    with open(path) as f:\n        return json.load(f)\n';
  const [a, b] = await e.embed([text, text], 'document');
  t.equal(a.length, e.dimension);
  t.same(Array.from(a), Array.from(b), 'same text, same vector');
  t.same(Array.from(e.embedOne(text, 'document')), Array.from(a), 'same vector on a later call (no state leaks between texts)');
  t.ok(Math.abs(Math.hypot(...a) - 1) < 1e-5, 'unit length');
  t.notSame(Array.from(e.embedOne(text, 'query')), Array.from(a), 'queries use their own token weights');
  t.ok(
    e.embedOne('!!! ??? ...', 'query').every((x) => x === 0),
    'no known token: zero vector',
  );
  const long = 'value = compute(value)\n'.repeat(5000);
  t.equal(e.embedOne(long, 'document').length, e.dimension, `a huge chunk is capped at ${DOCUMENT_MAX_TOKENS} tokens`);
});

t.test('a docstring-like query is closest to its own function', async (t) => {
  const e = new StaticCodeEmbedder();
  const functions = [
    'def gcd(a, b):\n    while b:\n        a, b = b, a % b\n    return a',
    'def read_json_file(path):\n    with open(path, encoding="utf-8") as fh:\n        return json.load(fh)',
    'func (s *Server) Shutdown(ctx context.Context) error {\n\ts.mu.Lock()\n\tdefer s.mu.Unlock()\n\tfor c := range s.conns {\n\t\tc.Close()\n\t}\n\treturn s.listener.Close()\n}',
    'function escapeHtml(str) {\n  return str.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");\n}',
    'public static String reverse(String s) {\n    return new StringBuilder(s).reverse().toString();\n}',
    'fn sha256_file(path: &Path) -> io::Result<[u8; 32]> {\n    let mut hasher = Sha256::new();\n    let mut f = File::open(path)?;\n    io::copy(&mut f, &mut hasher)?;\n    Ok(hasher.finalize().into())\n}',
  ];
  const queries = [
    'Compute the greatest common divisor of two integers.',
    'Load and parse a JSON file.',
    'Shutdown gracefully closes all open connections and the listener.',
    'Escape HTML special characters in a string.',
    'Returns the reversed string.',
    'Compute the sha256 hash of a file.',
  ];
  const docs = await e.embed(functions, 'document');
  const qs = await e.embed(queries, 'query');
  for (let i = 0; i < queries.length; i++) {
    const sims = docs.map((d) => cos(qs[i], d));
    const best = sims.indexOf(Math.max(...sims));
    t.equal(best, i, `"${queries[i]}" -> its function (cosines ${sims.map((s) => s.toFixed(2)).join(' ')})`);
  }
});

t.test('held-out rules: the pinned list, vendored paths and body hashes', async (t) => {
  const spec = loadHeldout();
  t.doesNotThrow(() =>
    checkPinnedList(spec, [
      { registry: 'debian', name: 'python3-attr', version: '1' },
      { registry: 'npm', name: 'ws', version: '1' },
    ]),
  );
  for (const bad of [
    { registry: 'debian' as const, name: 'python3-flask', version: '1' },
    { registry: 'debian' as const, name: 'golang-github-gin-gonic-gin-dev', version: '1' },
    { registry: 'npm' as const, name: 'lodash.merge', version: '1' },
    { registry: 'npm' as const, name: '@hapi/hapi', version: '1' },
    { registry: 'npm' as const, name: 'commander', version: '1' },
  ])
    t.throws(() => checkPinnedList(spec, [bad]), HeldoutViolation, `${bad.registry}:${bad.name} refused`);
  t.match(heldoutPathReason(spec, 'usr/lib/python3/dist-packages/pip/_vendor/requests/api.py'), /vendored copy of requests/);
  t.match(heldoutPathReason(spec, 'usr/share/gocode/src/example.org/x/vendor/github.com/gin-gonic/gin/gin.go'), /gin/);
  t.match(heldoutPathReason(spec, 'package/node_modules/lodash/merge.js'), /lodash/);
  t.match(heldoutPathReason(spec, 'src/java.sql/java/sql/Connection.java'), /java\.sql/);
  t.equal(heldoutPathReason(spec, 'usr/lib/python3/dist-packages/pip/_internal/req/req_file.py'), null);
  t.equal(heldoutPathReason(spec, 'src/java.base/java/util/List.java'), null);
});

t.test('the stdlib deny list is the stdlib: installed libraries are not denied, installed held-out projects are', async (t) => {
  // pyenv keeps site-packages under the stdlib directory: hashing it denied numpy, sympy, docutils, ...
  t.ok(SITE_PACKAGES.test('site-packages/numpy/core/numeric.py'));
  t.ok(SITE_PACKAGES.test('dist-packages/yaml/__init__.py'));
  t.notOk(SITE_PACKAGES.test('asyncio/events.py'));
  t.notOk(SITE_PACKAGES.test('email/_header_value_parser.py'));
  const names = [...loadHeldout().reserved, 'boltons'];
  const dirs = installedHeldoutDirs(names);
  for (const d of dirs) t.ok(names.includes(d.split('/').at(-1)!.toLowerCase()), `${d} is a held-out project`);
  t.same(installedHeldoutDirs([]), [], 'nothing asked, nothing denied');
});

t.test('the corpus check fails when a reserved file slips into a (synthetic) package', async (t) => {
  const spec = loadHeldout();
  const dir = tempDir(t);
  const pkg = join(dir, 'pkg');
  const site = join(pkg, 'usr/lib/python3/dist-packages');
  mkdirSync(join(site, 'tool/_vendor/requests'), { recursive: true });
  mkdirSync(join(site, 'tool/util'), { recursive: true });
  const own = 'def add_numbers(a, b):\n    """Add two numbers and return the sum."""\n    total = a + b\n    return total\n';
  // A function copied from a reserved project (its body is on the deny list), under an innocent path.
  const reserved =
    'def merge_setting(request_setting, session_setting, dict_class=dict):\n    """Determines appropriate setting for a given request."""\n    if session_setting is None:\n        return request_setting\n    if request_setting is None:\n        return session_setting\n    return dict_class(session_setting)\n';
  writeFileSync(join(site, 'tool/util/core.py'), own);
  writeFileSync(join(site, 'tool/util/copied.py'), reserved);
  writeFileSync(join(site, 'tool/_vendor/requests/sessions.py'), reserved);
  const files = filesOf({ registry: 'debian', name: 'python3-tool', version: '1', language: 'python' }, pkg);
  t.same(files.map((f) => f.rel).sort(), [
    'usr/lib/python3/dist-packages/tool/_vendor/requests/sessions.py',
    'usr/lib/python3/dist-packages/tool/util/copied.py',
    'usr/lib/python3/dist-packages/tool/util/core.py',
  ]);
  const deny = new Set((await functionsOf('sessions.py', reserved, 'python')).map((f) => bodyKey(f.code)));
  t.equal(deny.size, 1);
  const hashes = async (rel: string) => (await functionsOf(rel, readFileSync(join(pkg, rel), 'utf8'), 'python')).map((f) => bodyKey(f.code));
  const rec = (rel: string) => ({ registry: 'debian', package: 'python3-tool', path: rel });
  const coreRel = 'usr/lib/python3/dist-packages/tool/util/core.py';
  const copiedRel = 'usr/lib/python3/dist-packages/tool/util/copied.py';
  const vendRel = 'usr/lib/python3/dist-packages/tool/_vendor/requests/sessions.py';
  t.doesNotThrow(() => verifyCorpus(spec, [rec(coreRel)], [], deny), 'a clean corpus passes');
  const coreHashes = await hashes(coreRel);
  t.equal(coreHashes.length, 1);
  t.doesNotThrow(() => verifyCorpus(spec, [rec(coreRel)], coreHashes, deny));
  t.throws(() => verifyCorpus(spec, [rec(coreRel), rec(vendRel)], coreHashes, deny), /vendored copy of requests/, 'a vendored reserved file fails the run');
  const copiedHashes = await hashes(copiedRel);
  t.throws(
    () => verifyCorpus(spec, [rec(coreRel), rec(copiedRel)], [...coreHashes, ...copiedHashes], deny),
    /matches a held-out project/,
    'a copied reserved body fails the run',
  );
  t.throws(
    () => verifyCorpus(spec, [{ registry: 'npm', package: 'express', path: 'package/index.js' }], [], deny),
    HeldoutViolation,
    'a reserved package fails the run',
  );
});

t.test('extraction: the docstring is removed from the code it pairs with', async (t) => {
  const py =
    'class A:\n    def area(self, r):\n        """Return the area of a circle.\n\n        More words here.\n        """\n        x = r * r\n        return 3.14 * x\n';
  const [f] = await functionsOf('a.py', py, 'python');
  t.equal(f.name, 'area');
  t.equal(f.doc.split('\n')[0], 'Return the area of a circle.');
  t.notMatch(f.code, /area of a circle/);
  t.match(f.code, /return 3\.14/);
  const go =
    'package p\n\n// Sum adds the numbers\n// and returns the total.\nfunc Sum(xs []int) int {\n\tt := 0\n\tfor _, x := range xs {\n\t\tt += x\n\t}\n\treturn t\n}\n';
  const [g] = await functionsOf('a.go', go, 'go');
  t.equal(g.doc, 'Sum adds the numbers\nand returns the total.');
  t.notMatch(g.code, /adds the numbers/);
  const java =
    'class A {\n  /**\n   * Returns the larger value.\n   * @param a first\n   */\n  static int max(int a, int b) {\n    return a > b ? a : b;\n  }\n}\n';
  const [j] = await functionsOf('A.java', java, 'java');
  t.equal(j.doc, 'Returns the larger value.');
});

t.test('built-in provider: no training at index time; a second repository embeds only its own new chunks', async (t) => {
  const dir = tempDir(t);
  const env = {
    ...process.env,
    CONTEXTD_DATA_DIR: join(dir, 'data'),
    CONTEXTD_CONFIG_DIR: join(dir, 'cfg'),
    CONTEXTD_HISTORY: 'off',
    CONTEXTD_EMBEDDER: 'builtin',
  };
  const engine = await Engine.open(loadConfig(env));
  t.teardown(() => engine.close());
  await buildFixture('basic', join(dir, 'a'));
  await buildFixture('history', join(dir, 'b'));
  await engine.index(join(dir, 'a'));
  const first = await engine.embedPending();
  t.match(first.model, /^static-/);
  t.equal(first.trained, false, 'nothing trained');
  t.ok(first.added > 0 && first.embedded === first.total, `repository a embedded (${first.added} chunks)`);
  const b = await engine.index(join(dir, 'b'));
  const second = await engine.embedPending();
  t.equal(second.model, first.model, 'the same model serves both repositories');
  t.equal(second.trained, false);
  t.ok(second.added > 0 && second.added <= b.newChunks, `only b's new chunks embedded (${second.added} of ${b.newChunks} new)`);
  t.equal(second.embedded, second.total, 'every live chunk has a vector');
  t.equal(second.total, first.total + second.added, "a's vectors were kept, not redone");
  const hits = await engine.search('parse a JSON configuration', { mode: 'semantic', limit: 5 });
  t.ok(hits.length > 0, 'semantic search answers from the built-in model');
});
