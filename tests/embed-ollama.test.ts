import t from 'tap';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OllamaEmbedder } from '../daemon/embed/ollama-embedder.js';
import { EmbedderUnavailableError } from '../daemon/embed/types.js';

/**
 * A fake Ollama speaking the real HTTP API for what we call: POST /api/embed
 * with {model, input: string[], truncate} answering {model, embeddings} (or a
 * JSON {error} with the status the real server uses: 404 for a model that is
 * not pulled, 400 for a bad request, 500 for a failure).
 */
async function fakeOllama(t: Parameters<Parameters<typeof t.test>[1]>[0], models: Record<string, number>) {
  const requests: { path: string; body: { model?: string; input?: string[] | string; truncate?: boolean } }[] = [];
  let failNext = 0;
  const server: Server = createServer(async (req: IncomingMessage, res) => {
    let raw = '';
    for await (const c of req) raw += c;
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify(body));
    };
    if (req.method !== 'POST' || req.url !== '/api/embed') return json(404, { error: `${req.method} ${req.url} not found` });
    let body: (typeof requests)[number]['body'];
    try {
      body = JSON.parse(raw);
    } catch {
      return json(400, { error: 'invalid character in JSON' });
    }
    requests.push({ path: req.url, body });
    if (failNext > 0) {
      failNext--;
      return json(500, { error: 'llama runner process has terminated: signal: killed' });
    }
    const dim = body.model ? models[body.model] : undefined;
    if (!dim) return json(404, { error: `model "${body.model}" not found, try pulling it first` });
    const input = Array.isArray(body.input) ? body.input : [body.input ?? ''];
    const embeddings = input.map((s) => {
      const v = Array.from({ length: dim }, (_, i) => ((s.charCodeAt(i % Math.max(1, s.length)) || 1) % 13) + 1);
      const n = Math.hypot(...v);
      return v.map((x) => x / n);
    });
    json(200, { model: body.model, embeddings, total_duration: 1000, load_duration: 10, prompt_eval_count: input.length });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => server.close(() => r())));
  return {
    host: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    failNext: (n: number) => (failNext = n),
  };
}

t.test('embeds batches through /api/embed with the task prefixes of nomic models', async (t) => {
  const fake = await fakeOllama(t, { 'nomic-embed-text': 768 });
  const e = new OllamaEmbedder({ host: fake.host, model: 'nomic-embed-text' });
  t.equal(e.modelId, 'ollama:nomic-embed-text');
  t.equal(e.dimension, 0, 'dimension unknown before the first answer');
  const v = await e.embed(['def load(path): ...', 'class Cache: ...'], 'document');
  t.equal(v.length, 2);
  t.equal(v[0].length, 768);
  t.equal(e.dimension, 768);
  t.same(fake.requests[0].body.input, ['search_document: def load(path): ...', 'search_document: class Cache: ...']);
  t.equal(fake.requests[0].body.truncate, true);
  await e.embed(['how is the config loaded'], 'query');
  t.same(fake.requests[1].body.input, ['search_query: how is the config loaded']);
  t.same(await e.embed([], 'document'), [], 'no request for nothing');
  t.equal(fake.requests.length, 2);
});

t.test('errors say what to do and whether a retry can help', async (t) => {
  const fake = await fakeOllama(t, { 'all-minilm': 384 });
  const missing = new OllamaEmbedder({ host: fake.host, model: 'nomic-embed-text' });
  const err = await missing.embed(['x'], 'document').catch((e) => e);
  t.ok(err instanceof EmbedderUnavailableError);
  t.match(err.message, /no model nomic-embed-text.*ollama pull nomic-embed-text/);
  t.equal(err.retryable, false, 'a missing model is not retried');

  const e = new OllamaEmbedder({ host: fake.host, model: 'all-minilm' });
  fake.failNext(1);
  const err500 = await e.embed(['x'], 'document').catch((x) => x);
  t.match(err500.message, /answered 500: llama runner process has terminated/);
  t.equal(err500.retryable, true, 'a server error is retried');
  t.equal((await e.embed(['x'], 'document'))[0].length, 384, 'and the next call works');

  // Nothing listening: connection refused.
  const down = new OllamaEmbedder({ host: 'http://127.0.0.1:9', model: 'all-minilm', timeoutMs: 2000 });
  const errDown = await down.embed(['x'], 'document').catch((x) => x);
  t.ok(errDown instanceof EmbedderUnavailableError);
  t.match(errDown.message, /cannot reach ollama at http:\/\/127\.0\.0\.1:9/);
});

t.test('a server that does not answer in time', async (t) => {
  const server = createServer(() => {
    /* never answers */
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => {
    server.closeAllConnections();
    server.close();
  });
  const e = new OllamaEmbedder({ host: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, model: 'm', timeoutMs: 300 });
  const err = await e.embed(['x'], 'document').catch((x) => x);
  t.match(err.message, /did not answer in time/);
});

t.test(
  'live Ollama (set OLLAMA_HOST, and CONTEXTD_EMBED_MODEL if not nomic-embed-text)',
  { skip: process.env.OLLAMA_HOST ? false : 'OLLAMA_HOST is not set' },
  async (t) => {
    const host = process.env.OLLAMA_HOST!.startsWith('http') ? process.env.OLLAMA_HOST! : `http://${process.env.OLLAMA_HOST}`;
    const e = new OllamaEmbedder({ host, model: process.env.CONTEXTD_EMBED_MODEL ?? 'nomic-embed-text' });
    const [q] = await e.embed(['remove an entry from the cache'], 'query');
    const [a, b] = await e.embed(['def evict(self, key):\n    del self._store[key]', 'def render(template):\n    return template.format()'], 'document');
    const cos = (x: Float32Array, y: Float32Array) => x.reduce((s, v, i) => s + v * y[i], 0) / (Math.hypot(...x) * Math.hypot(...y));
    t.ok(cos(q, a) > cos(q, b), 'similar code ranks above unrelated code');
  },
);
