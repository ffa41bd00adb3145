/** CLI output details a user reads every day: numbered search excerpts, hints for bad --since values, one word per backend state. */
import t from 'tap';
import { join } from 'node:path';
import { backendWord } from '../daemon/backends/health.js';
import { formatGutter, numberExcerpt, queryWords } from '../daemon/cli/gutter.js';
import { timeSpecHint } from '../daemon/search/time.js';
import { buildRepo } from '../fixtures/repo-builder.js';
import { buildFixture } from '../fixtures/repos.js';
import { isolatedEnv, runCli, tempDir } from './helpers/cli.js';

t.test('search excerpts carry line numbers; lines with a query word are marked', async (t) => {
  const chunk = 'def load(path):\n    """x"""\n    with open(path) as f:\n        return parse_json_config(f.read())\n';
  const lines = numberExcerpt('with open(path) as f:\n    return parse_json_config(f.read())', chunk, 10, queryWords('json config'));
  t.same(formatGutter(lines, ''), ['12- with open(path) as f:', '13:     return parse_json_config(f.read())']);

  const dir = tempDir(t);
  const { env } = isolatedEnv(join(dir, 'home'));
  const repo = join(dir, 'basic');
  await buildFixture('basic', repo);
  t.equal((await runCli(['index', repo], { env })).code, 0);
  const r = await runCli(['search', 'json', 'config', '--repo', repo], { env });
  t.equal(r.code, 0);
  t.match(r.stdout, /src\/configLoader\.ts:1-\d+ .*\n\s+1: export function parseJsonConfig/, 'the real CLI shows numbered, marked lines');
});

t.test('a bad --since gets the hint that fits it', async (t) => {
  t.match(timeSpecHint('3m'), /m is ambiguous/);
  t.match(timeSpecHint('12'), /needs a unit: 12d/);
  t.match(timeSpecHint('2weks'), /did you mean 2week/);
  t.match(timeSpecHint('3fortnights'), /unknown unit "fortnights"/);
  t.match(timeSpecHint('01/02/2024'), /year first: write 2024-02-01/);
  t.match(timeSpecHint('2024/02/01'), /2024-02-01/);
  t.match(timeSpecHint('2024-02-31'), /does not exist/);
  t.notMatch(timeSpecHint('2weks'), /ambiguous/, 'the m hint only where it fits');
  const dir = tempDir(t);
  const { env } = isolatedEnv(join(dir, 'home'));
  const r = await runCli(['search', 'x', '--since', '12'], { env });
  t.equal(r.code, 2);
  t.match(r.stderr, /hint: a number needs a unit/);
});

t.test('a backend that is off or unreachable never reads ok', async (t) => {
  t.equal(backendWord({ healthy: true, state: 'ok' }), 'ok');
  t.equal(backendWord({ healthy: true, state: 'off' }), 'off');
  t.equal(backendWord({ healthy: true, state: 'off', fix: 'start Ollama' }), 'unavailable');
  t.equal(backendWord({ healthy: false, state: 'down', fix: 'start it' }), 'down');
  t.equal(backendWord({ healthy: false, state: 'degraded' }), 'degraded');
  t.equal(backendWord({ healthy: true }), 'ok', 'a backend without a network state (parser, watcher)');
});

t.test('embedding counts say they count distinct chunks: copies share one vector', async (t) => {
  const dir = tempDir(t);
  const { env } = isolatedEnv(join(dir, 'home'));
  const repo = join(dir, 'copies');
  const body = 'def alpha(x):\n    return x + 1\n\n\ndef beta(y):\n    return y * 2\n';
  await buildRepo(repo, {
    steps: [
      {
        type: 'commit',
        author: { name: 'A', email: 'a@example.com' },
        date: '2024-01-01T00:00:00Z',
        subject: 'two copies',
        ops: [
          { op: 'write', path: 'a.py', content: body },
          { op: 'write', path: 'b.py', content: body },
        ],
      },
    ],
  });
  const r = await runCli(['index', repo], { env });
  t.equal(r.code, 0);
  const [, embedded, total] = /vectors +(\d+)\/(\d+) distinct chunks embedded/.exec(r.stdout) ?? [];
  t.ok(embedded && embedded === total, `every distinct chunk embedded (${embedded}/${total})`);
  const hits = JSON.parse((await runCli(['search', 'alpha', '--repo', repo, '--json'], { env })).stdout) as { path: string }[];
  t.same([...new Set(hits.map((h) => h.path))].sort(), ['a.py', 'b.py'], 'both copies are found: one vector, two places');
});
