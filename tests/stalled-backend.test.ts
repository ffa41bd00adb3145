import t from 'tap';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildFixture } from '../fixtures/repos.js';
import { fixtureGit } from '../fixtures/repo-builder.js';
import { isolatedEnv, runCli, runJson, tempDir } from './helpers/cli.js';
import { eventually, startDaemon } from './helpers/daemon.js';
import type { DaemonStatus } from '../daemon/server/status.js';

/**
 * An Ollama that stops answering: POST /api/embed requests are held open (as a
 * wedged model runner does) until `release()`; then it answers like the real API.
 */
async function hangingOllama(t: { teardown: (fn: () => Promise<void> | void) => void }) {
  let hanging = true;
  const held: ServerResponse[] = [];
  let calls = 0;
  const server = createServer(async (req, res) => {
    let raw = '';
    for await (const c of req) raw += c;
    calls++;
    if (req.method !== 'POST' || req.url !== '/api/embed') {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'not found' }));
      return;
    }
    if (hanging) {
      held.push(res);
      return;
    }
    const body = JSON.parse(raw) as { model: string; input: string[] };
    const embeddings = body.input.map((s) => Array.from({ length: 8 }, (_, i) => ((s.charCodeAt(i % Math.max(1, s.length)) || 1) % 7) + 1));
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ model: body.model, embeddings }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(async () => {
    for (const r of held) r.destroy();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });
  return {
    host: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls: () => calls,
    release() {
      hanging = false;
      for (const r of held.splice(0)) r.destroy();
    },
  };
}

t.test('a hanging embedder is visible in status and never blocks search or indexing', async (t) => {
  const ollama = await hangingOllama(t);
  const dir = tempDir(t);
  const base = isolatedEnv(join(dir, 'home')).env;
  const env = {
    ...base,
    CONTEXTD_EMBEDDER: 'ollama',
    CONTEXTD_EMBED_MODEL: 'nomic-embed-text',
    CONTEXTD_OLLAMA_HOST: ollama.host,
    CONTEXTD_EMBED_TIMEOUT_MS: '1000',
    CONTEXTD_EMBED_RETRY_BASE_MS: '1000',
  };
  const repo = join(dir, 'basic');
  await buildFixture('basic', repo);
  const daemon = await startDaemon(env);
  t.teardown(() => daemon.stop());
  await runJson(['add', repo, '--wait'], { env });

  const stuck = await eventually(async () => {
    const s = await daemon.call<DaemonStatus>('status');
    return s.stalled.find((x) => x.backend === 'semantic') ?? null;
  }, 30_000);
  t.ok(stuck, 'status names the stuck backend');
  t.match(stuck!.what, /ollama embedder at http:\/\/127\.0\.0\.1/);
  t.ok(stuck!.since > 0 && stuck!.since <= Date.now(), 'since when');
  t.ok(stuck!.waiting > 0, `work waiting on it (${stuck!.waiting} chunks)`);
  const text = await runCli(['status'], { env });
  t.equal(text.code, 1, 'status exits 1: running but degraded');
  t.match(text.stdout, /stuck/);

  // Lexical search answers meanwhile, and indexing goes on.
  const hits = await runJson<{ symbol: string }[]>(['search', 'parseJsonConfig', '--repo', repo], { env });
  t.equal(hits[0]?.symbol, 'parseJsonConfig', 'search answers without the embedder');
  writeFileSync(join(repo, 'src/late.py'), 'def added_during_the_stall():\n    pass\n');
  fixtureGit(repo, ['add', 'src/late.py']);
  fixtureGit(repo, ['commit', '-q', '-m', 'late']);
  const indexed = await eventually(
    async () => (await runJson<{ symbol: string }[]>(['search', 'added_during_the_stall', '--repo', repo], { env }))[0]?.symbol === 'added_during_the_stall',
  );
  t.ok(indexed, 'indexing is not blocked by the stuck embedder');

  // The embedder comes back: embedding resumes on its own and the stall clears.
  ollama.release();
  const recovered = await eventually(
    async () => {
      const s = await daemon.call<DaemonStatus>('status');
      return s.stalled.length === 0 && s.embedding.total > 0 && s.embedding.embedded === s.embedding.total ? s : null;
    },
    60_000,
    500,
  );
  t.ok(recovered, 'embedding completed after the embedder answered again');
  if (!recovered) t.comment(JSON.stringify((await daemon.call<DaemonStatus>('status')).embedding));
  t.equal((await runCli(['status'], { env })).code, 0, 'healthy again');
});

t.test('a stop during a hanging embedding call ends on its own, long before the call would time out', async (t) => {
  const ollama = await hangingOllama(t);
  const dir = tempDir(t);
  const env = {
    ...isolatedEnv(join(dir, 'home')).env,
    CONTEXTD_EMBEDDER: 'ollama',
    CONTEXTD_EMBED_MODEL: 'nomic-embed-text',
    CONTEXTD_OLLAMA_HOST: ollama.host,
    CONTEXTD_EMBED_TIMEOUT_MS: '120000',
  };
  const repo = join(dir, 'basic');
  await buildFixture('basic', repo);
  const daemon = await startDaemon(env);
  await runJson(['add', repo, '--wait'], { env });
  t.ok(await eventually(async () => ollama.calls() > 0, 30_000), 'an embedding call is in flight (and hangs)');
  // stop() sends SIGTERM and falls back to SIGKILL after 15 s: exit code 0 means the daemon left by itself.
  t.equal(await daemon.stop(), 0, 'the daemon stopped by itself on SIGTERM');
});
