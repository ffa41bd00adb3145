import t from 'tap';
import { indexText, queryTerms, splitIdentifier } from '../daemon/search/tokenize.js';
import { initials, matchTier, rankNames, rankNamesByWords } from '../daemon/search/fuzzy.js';
import { reciprocalRankFusion } from '../daemon/search/fusion.js';
import { globToRegex } from '../daemon/search/glob.js';
import { makeSnippet } from '../daemon/search/snippet.js';

t.test('identifiers split into words, whole identifier kept', async (t) => {
  t.same(splitIdentifier('parseJsonConfig'), ['parse', 'json', 'config']);
  t.same(splitIdentifier('parse_json_config'), ['parse', 'json', 'config']);
  t.same(splitIdentifier('ParseJSONConfig'), ['parse', 'json', 'config']);
  t.same(splitIdentifier('getHTTPResponse2'), ['get', 'http', 'response', '2']);
  t.same(splitIdentifier('__init__'), ['init']);
  t.equal(indexText('def parseJsonConfig(path):'), 'def parsejsonconfig parse json config path');
  t.equal(indexText('x = load_file()'), 'x load_file load file');
  t.equal(indexText('$el.value'), 'el value', '$ is stripped at the edges');
  t.equal(indexText('  ;;; '), '');
});

t.test('query terms drop stopwords unless nothing else is left', async (t) => {
  t.same(
    queryTerms('where do we parse the json config').map((q) => q.whole),
    ['parse', 'json', 'config'],
  );
  t.same(
    queryTerms('the').map((q) => q.whole),
    ['the'],
  );
  t.same(queryTerms('parseJsonConfig')[0], { whole: 'parsejsonconfig', parts: ['parse', 'json', 'config'] });
  t.same(queryTerms('json JSON json').length, 1, 'duplicates collapse');
});

t.test('fuzzy tiers: exact > prefix > initials > substring > subsequence', async (t) => {
  t.equal(initials('parseJsonConfig'), 'pjc');
  t.equal(initials('read_file_lines'), 'rfl');
  t.equal(matchTier('Parser', 'parser', 'Parser'), 0);
  t.equal(matchTier('parser', 'parser', 'Parser'), 1);
  t.equal(matchTier('pars', 'pars', 'parseJsonConfig'), 2);
  t.equal(matchTier('pjc', 'pjc', 'parseJsonConfig'), 3);
  t.equal(matchTier('json', 'json', 'parseJsonConfig'), 4);
  t.equal(matchTier('pjcfg', 'pjcfg', 'parseJsonConfig'), 5);
  t.equal(matchTier('xyz', 'xyz', 'parseJsonConfig'), -1);
  const names = ['parseJsonConfig', 'parse', 'Parser', 'pjc_helper', 'unparse', 'p_j_c'];
  t.same(
    rankNames('parse', names, 10).map((r) => r.name),
    ['parse', 'Parser', 'parseJsonConfig', 'unparse'],
  );
  t.same(
    rankNames('pjc', names, 2).map((r) => r.name),
    ['pjc_helper', 'p_j_c'],
    'capped at max, prefix before initials',
  );
});

t.test('names by words', async (t) => {
  const names = ['parseJsonConfig', 'load_json_config', 'jsonConfigParserFactory', 'parseYaml', 'config'];
  const r = rankNamesByWords(queryTerms('json config'), names, 10).map((x) => x.name);
  t.same(r, ['parseJsonConfig', 'load_json_config', 'jsonConfigParserFactory'], 'fewest extra words, then shortest');
  t.same(rankNamesByWords(queryTerms('yaml json'), names, 10), []);
  t.same(
    rankNamesByWords(queryTerms('parseJson config'), names, 10).map((x) => x.name),
    ['parseJsonConfig'],
    'a camelCase word needs all its parts',
  );
  t.same(
    rankNamesByWords(queryTerms('config'), names, 10).map((x) => x.name),
    ['config', 'parseJsonConfig', 'load_json_config', 'jsonConfigParserFactory'],
  );
  t.same(rankNamesByWords(queryTerms('nosuchword'), names, 10), []);
});

t.test('reciprocal rank fusion sums contributions and records retrievers', async (t) => {
  const fused = reciprocalRankFusion(
    [
      { retriever: 'a', weight: 1, items: ['x', 'y', 'z'] },
      { retriever: 'b', weight: 1, items: ['y', 'w'] },
    ],
    (s) => s,
  );
  t.same(
    fused.map((f) => f.item),
    ['y', 'x', 'w', 'z'],
  );
  t.same(fused[0].retrievers, ['a', 'b']);
  t.ok(Math.abs(fused[0].score - (1 / 62 + 1 / 61)) < 1e-12);
});

t.test('path globs', async (t) => {
  const re = (g: string) => new RegExp(globToRegex(g));
  t.ok(re('*.py').test('a/b/c.py'), 'a slash-free glob matches the basename anywhere');
  t.notOk(re('*.py').test('a/b/c.pyc'));
  t.ok(re('*.py').test('c.py'), 'and at the top level');
  t.ok(re('src/**').test('src/x/y.ts'));
  t.notOk(re('src/**').test('lib/src/y.ts'));
  t.ok(re('src/*.ts').test('src/y.ts'));
  t.notOk(re('src/*.ts').test('src/x/y.ts'));
  t.throws(() => globToRegex('  '), /empty/);
});

t.test('snippet picks the best-matching lines', async (t) => {
  const text = ['def load(path):', '    """Load it."""', '    data = read(path)', '    return parse_json_config(data)', ''].join('\n');
  const s = makeSnippet(text, 10, queryTerms('json config'));
  t.equal(s.line, 12);
  t.equal(s.text, 'data = read(path)\nreturn parse_json_config(data)');
  const head = makeSnippet(text, 10, queryTerms('nomatch'));
  t.equal(head.line, 10);
  t.match(head.text, /^def load\(path\):/);
});

t.test('rankNames stops the substring scan early and still returns exactly what a full scan ranks first', async (t) => {
  // The reference: every name's best tier, ordered by (tier, length, name), the first `max`.
  const reference = (query: string, names: string[], max: number) =>
    names
      .map((name) => ({ name, tier: matchTier(query, query.toLowerCase(), name) }))
      .filter((r) => r.tier >= 0 && r.tier <= 4)
      .sort((a, b) => a.tier - b.tier || a.name.length - b.name.length || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .slice(0, max);
  let seed = 17;
  const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0), seed / 2 ** 32);
  const parts = ['get', 'set', 'map', 'hash', 'Map', 'Hash', 'Entry', 'node', 'Node', 'tree', 'size', 'read', 'Stream', 'ge', 'ra', 'x'];
  const names = [
    ...new Set(
      Array.from({ length: 3000 }, () =>
        Array.from({ length: 1 + Math.floor(rand() * 4) }, () => parts[Math.floor(rand() * parts.length)]).join(rand() < 0.2 ? '_' : ''),
      ),
    ),
  ];
  let compared = 0;
  for (const q of ['ge', 'ma', 'ha', 'et', 'ode', 'ap', 'tr', 'eam', 'x', 'Map', 'hashm']) {
    for (const max of [5, 20, 40]) {
      const got = rankNames(q, names, max);
      const want = reference(q, names, max);
      // Only the substring tier was cut short: names and their order equal the full ranking wherever it is defined by tier.
      if (got.every((g) => g.tier <= 4) && want.every((w) => w.tier <= 4)) {
        t.same(
          got.map((g) => g.name),
          want.map((w) => w.name),
          `${q} / ${max}`,
        );
        compared++;
      }
    }
  }
  t.ok(compared >= 20, `${compared} rankings compared`);
});
