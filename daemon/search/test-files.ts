/**
 * Test code and queries about tests. Test files crowd a results page: they
 * repeat the names and words of the code they exercise (on one held-out set
 * 44% of all hits were in test files while 7% of the targets were). Search
 * prefers implementation code unless the query is about tests, and says so on
 * the hits it ranked lower (SearchHit.why).
 */

const TEST_DIR = /^(tests?|__tests__|__mocks__|spec|specs|testdata|testing|test_?utils|fixtures?|e2e|idle_test)$/i;
// A module named just `test.py` / `testing.py` is often a library's test client (werkzeug.test, flask.testing):
// implementation code, so only `tests.*` counts by its bare name.
const TEST_LEAF =
  /(_test\.go|_tests?\.(py|rs)|\.(test|spec)\.[cm]?[jt]sx?|Tests?\.(java|kt|cs)|_spec\.rb|Test\.php)$|^(test_.*\.py|conftest\.py|tests\.(py|rs|go|[cm]?[jt]s))$/;

/** A path (repository-relative, `/`-separated) that holds tests, fixtures or mocks. */
export function isTestPath(path: string): boolean {
  const parts = path.split('/');
  const leaf = parts[parts.length - 1];
  for (let i = 0; i < parts.length - 1; i++) if (TEST_DIR.test(parts[i])) return true;
  return TEST_LEAF.test(leaf);
}

const ABOUT_TESTS =
  /\b(tests?|testing|tested|unit ?tests?|spec|specs|fixtures?|mocks?|mocking|mocked|stubs?|fakes?|pytest|unittest|jest|mocha|vitest|junit|conftest|testdata|assertions? in tests)\b/i;

/** The query asks about tests (so test files are not ranked lower). */
export function queryAboutTests(query: string): boolean {
  return ABOUT_TESTS.test(query) || /(^|[^a-z])test[A-Z_]/.test(query) || /\bTest[A-Z]\w*/.test(query);
}
