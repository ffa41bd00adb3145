import t from 'tap';
import { join } from 'node:path';
import { buildFixture } from '../fixtures/repos.js';
import { isolatedEnv, runCli, runJson, tempDir } from './helpers/cli.js';

interface Hit {
  path: string;
  startLine: number;
  endLine: number;
  symbol: string | null;
  score: number;
  snippet: string;
  retrievers: string[];
}

t.test('contextd index embeds by default; search --mode picks retrievers', async (t) => {
  const dir = tempDir(t);
  const { env } = isolatedEnv(join(dir, 'home'));
  const repo = join(dir, 'basic');
  await buildFixture('basic', repo);

  const skipped = await runJson<{ chunks: number; embedding?: unknown }>(['index', repo, '--no-embed'], { env });
  t.equal(skipped.embedding, undefined, '--no-embed: no embedding step');
  const none = await runJson<Hit[]>(['search', 'load configuration', '--repo', repo, '--mode', 'semantic'], { env });
  t.same(none, [], 'no vectors yet: semantic mode finds nothing (and does not fail)');

  const summary = await runJson<{ chunks: number; embedding: { model: string; embedded: number; total: number; added: number } }>(['index', repo], { env });
  t.match(summary.embedding.model, /^static-\d+\.\d+:[0-9a-f]{12}$/, 'the built-in model');
  t.equal(summary.embedding.embedded, summary.embedding.total, 'every live chunk embedded');
  t.ok(summary.embedding.added > 0);
  const again = await runJson<{ embedding: { added: number } }>(['index', repo], { env });
  t.equal(again.embedding.added, 0, 'nothing re-embedded on an unchanged repository');

  const sem = await runJson<Hit[]>(['search', 'parse json config', '--repo', repo, '--mode', 'semantic'], { env });
  t.ok(sem.length > 0, 'semantic hits');
  t.ok(
    sem.every((h) => h.retrievers.length === 1 && h.retrievers[0] === 'semantic'),
    'only the semantic retriever',
  );
  for (const k of ['path', 'startLine', 'endLine', 'symbol', 'score', 'snippet', 'retrievers']) t.ok(k in sem[0], `hit has ${k}`);
  const lex = await runJson<Hit[]>(['search', 'json config', '--repo', repo, '--mode', 'lexical'], { env });
  t.ok(lex.length > 0 && lex.every((h) => h.retrievers.every((r) => r === 'lexical')), 'lexical mode');
  const sym = await runJson<Hit[]>(['search', 'parseJsonConfig', '--repo', repo, '--mode', 'symbol'], { env });
  t.equal(sym[0]?.symbol, 'parseJsonConfig', 'symbol mode');

  const bad = await runCli(['search', 'x', '--repo', repo, '--mode', 'vibes'], { env });
  t.equal(bad.code, 2, 'bad mode: usage error');
  t.match(bad.stderr, /--mode must be one of hybrid, lexical, semantic, symbol/);
  const badEnv = await runCli(['search', 'x', '--repo', repo], { env: { ...env, CONTEXTD_EMBEDDER: 'magic' } });
  t.equal(badEnv.code, 1);
  t.match(badEnv.stderr, /embed\.provider \(CONTEXTD_EMBEDDER\) must be builtin, ollama or off/);
});
