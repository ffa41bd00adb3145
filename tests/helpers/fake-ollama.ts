/**
 * An in-process HTTP server speaking Ollama's API (docs/api.md in ollama/ollama)
 * for what contextd calls:
 *
 *   POST /api/chat      {model, messages, stream, options}  stream: NDJSON lines
 *                       {model, created_at, message: {role: "assistant", content}, done: false}
 *                       ... then {model, created_at, message: {role, content: ""}, done: true,
 *                       done_reason: "stop", total_duration, load_duration, prompt_eval_count,
 *                       prompt_eval_duration, eval_count, eval_duration}
 *                       (Content-Type application/x-ndjson); stream: false: one object
 *   POST /api/generate  {model, prompt, system, stream, options}  same, with `response` fragments
 *   GET  /api/tags      {models: [{name, model, modified_at, size, digest, details}]}
 *   GET  /api/version   {version}
 *
 * Errors are JSON `{error}` with the real status codes: 404 `model "x" not found,
 * try pulling it first`, 400 for a bad body; a failure during a stream is an
 * `{error}` line. Modes simulate a server from before /api/chat (404 text
 * "404 page not found"), one that never answers, and one that stops mid-stream.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface ChatBody {
  model: string;
  messages?: { role: string; content: string }[];
  prompt?: string;
  system?: string;
  stream?: boolean;
  options?: Record<string, unknown>;
}

export type Answerer = (body: ChatBody) => string;

export interface FakeOllama {
  url: string;
  requests: { path: string; body: ChatBody }[];
  /** Model names `ollama list` shows. */
  models: string[];
  /** What the model answers (split into tokens of a few characters). */
  answer: Answerer;
  mode: 'normal' | 'no-chat-endpoint' | 'hang' | 'hang-mid-stream' | 'error-mid-stream';
  /** Delay between tokens (ms). */
  tokenDelayMs: number;
  /** When each token was written (ms since the request), for streaming checks. */
  sentAt: number[];
  close(): Promise<void>;
}

export async function startFakeOllama(opts: { models?: string[]; answer?: Answerer; version?: string; port?: number } = {}): Promise<FakeOllama> {
  const sockets = new Set<Socket>();
  const fake: FakeOllama = {
    url: '',
    requests: [],
    models: opts.models ?? ['qwen2.5-coder:7b', 'nomic-embed-text:latest'],
    answer: opts.answer ?? (() => 'The answer.'),
    mode: 'normal',
    tokenDelayMs: 5,
    sentAt: [],
    close: async () => {},
  };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => void handle(req, res));
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify(body));
  };
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let raw = '';
    for await (const c of req) raw += c;
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (req.method === 'GET' && path === '/api/version') return json(res, 200, { version: opts.version ?? '0.6.2' });
    if (req.method === 'GET' && path === '/api/tags') {
      return json(res, 200, {
        models: fake.models.map((name) => ({
          name,
          model: name,
          modified_at: '2025-01-01T00:00:00Z',
          size: 4_000_000_000,
          digest: 'sha256:fake',
          details: { parent_model: '', format: 'gguf', family: 'qwen2', families: ['qwen2'], parameter_size: '7.6B', quantization_level: 'Q4_K_M' },
        })),
      });
    }
    const isChat = path === '/api/chat';
    if (req.method !== 'POST' || (!isChat && path !== '/api/generate')) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      return void res.end('404 page not found');
    }
    if (isChat && fake.mode === 'no-chat-endpoint') {
      res.writeHead(404, { 'content-type': 'text/plain' });
      return void res.end('404 page not found');
    }
    let body: ChatBody;
    try {
      body = JSON.parse(raw) as ChatBody;
    } catch {
      return json(res, 400, { error: 'invalid character in JSON body' });
    }
    fake.requests.push({ path, body });
    if (!body.model) return json(res, 400, { error: 'model is required' });
    const known = fake.models.some((m) => m === body.model || m === `${body.model}:latest`);
    if (!known) return json(res, 404, { error: `model "${body.model}" not found, try pulling it first` });
    if (fake.mode === 'hang') return; // never answers
    const text = fake.answer(body);
    const tokens = text.match(/.{1,4}/gs) ?? [];
    const created = () => new Date().toISOString();
    const frame = (content: string, done: boolean) =>
      isChat
        ? { model: body.model, created_at: created(), message: { role: 'assistant', content }, done }
        : { model: body.model, created_at: created(), response: content, done };
    const stats = {
      done_reason: 'stop',
      total_duration: 1_000_000,
      load_duration: 1000,
      prompt_eval_count: 100,
      prompt_eval_duration: 1000,
      eval_count: tokens.length,
      eval_duration: 1000,
    };
    if (body.stream === false) return json(res, 200, { ...frame(text, true), ...stats });
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    const t0 = performance.now();
    fake.sentAt = [];
    for (const [i, tok] of tokens.entries()) {
      if (fake.mode === 'error-mid-stream' && i === 3) {
        res.end(JSON.stringify({ error: 'llama runner process has terminated: signal: killed' }) + '\n');
        return;
      }
      if (fake.mode === 'hang-mid-stream' && i === 3) return; // stops sending, keeps the connection
      res.write(JSON.stringify(frame(tok, false)) + '\n');
      fake.sentAt.push(performance.now() - t0);
      await new Promise((r) => setTimeout(r, fake.tokenDelayMs));
    }
    res.end(JSON.stringify({ ...frame('', true), ...stats }) + '\n');
  }
  await new Promise<void>((r) => server.listen(opts.port ?? 0, '127.0.0.1', r));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.close = () =>
    new Promise<void>((r) => {
      for (const s of sockets) s.destroy();
      server.close(() => r());
    });
  return fake;
}

/** The excerpt headers of an ask prompt: `[n] path:start-end`. */
export function excerptsOf(body: ChatBody): { n: number; path: string; start: number; end: number }[] {
  const user = body.messages?.find((m) => m.role === 'user')?.content ?? body.prompt ?? '';
  return [...user.matchAll(/^\[(\d+)\] (\S+):(\d+)-(\d+)/gm)].map((m) => ({ n: Number(m[1]), path: m[2], start: Number(m[3]), end: Number(m[4]) }));
}
