import t from 'tap';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { analyzeQuestion } from '../daemon/ask/analyze.js';
import { checkCitations, findCitations, type ContextChunk } from '../daemon/ask/citations.js';
import { streamChat } from '../daemon/ask/ollama-chat.js';
import { loadConfig } from '../daemon/config/config.js';
import { Engine } from '../daemon/engine.js';
import { ContextdError } from '../daemon/errors.js';
import { createMcpServer } from '../daemon/mcp/server.js';
import type { McpContext } from '../daemon/mcp/context.js';
import { probeOllama } from '../daemon/backends/probes.js';
import { buildFixture } from '../fixtures/repos.js';
import { runCli, isolatedEnv, tempDir } from './helpers/cli.js';
import { excerptsOf, startFakeOllama, type ChatBody } from './helpers/fake-ollama.js';
import { freePort } from './helpers/services.js';

t.test('query analysis: intent and entities', async (t) => {
  const cases: [string, Partial<ReturnType<typeof analyzeQuestion>>][] = [
    ['where is parseJsonConfig defined?', { intent: 'find', symbols: ['parseJsonConfig'] }],
    ['why does load_config crash on an empty file?', { intent: 'fix', symbols: ['load_config'] }],
    ['explain how Cache.get handles expiry', { intent: 'explain', symbols: ['Cache.get'] }],
    ['refactor src/config_loader.py to remove duplication', { intent: 'refactor', paths: [{ path: 'src/config_loader.py' }] }],
    ['what happens at src/server.ts:42-50?', { intent: 'explain', paths: [{ path: 'src/server.ts', startLine: 42, endLine: 50 }] }],
    ['how does `retry()` work in lib/net/', { intent: 'explain', symbols: ['retry'], paths: [{ path: 'lib/net' }] }],
    ['the upload fails with a TypeError in handleUpload', { intent: 'fix', symbols: ['TypeError', 'handleUpload'] }],
  ];
  for (const [q, want] of cases) t.match(analyzeQuestion(q), want, q);
  t.same(analyzeQuestion('how are retries scheduled after a failed upload').keywords, ['retries', 'scheduled', 'after', 'failed', 'upload']);
  t.same(analyzeQuestion('What is this project about?').symbols, [], 'plain English names nothing');
});

const ctx = (over: Partial<ContextChunk>): ContextChunk => ({
  n: 1,
  repo: '/r',
  path: 'src/a.py',
  startLine: 10,
  endLine: 20,
  symbol: 'f',
  language: 'python',
  text: '',
  via: ['search'],
  ...over,
});

t.test('citations: found, checked against the excerpts, uncited statements flagged', async (t) => {
  t.same(
    findCitations('See src/a.py:12 and (lib/b.ts:3-9), `c.go:7`.').map((c) => [c.path, c.startLine, c.endLine]),
    [
      ['src/a.py', 12, 12],
      ['lib/b.ts', 3, 9],
      ['c.go', 7, 7],
    ],
  );
  const context = [ctx({}), ctx({ n: 2, path: 'lib/b.ts', startLine: 1, endLine: 5 })];
  const answer = [
    'The loader parses the file in one pass (src/a.py:12-14).',
    'It retries three times before giving up (src/a.py:30).',
    'Errors are logged to the console by the helper (lib/other.ts:4).',
    'The cache is never cleared when the configuration file changes on disk.',
    'The excerpts do not show how the results are rendered.',
  ].join('\n');
  const r = checkCitations(answer, context);
  t.same(
    r.citations.map((c) => c.status),
    ['ok', 'outside', 'unknown-path'],
  );
  t.equal(r.citations[0].chunk, 1);
  t.same(r.uncited, ['The cache is never cleared when the configuration file changes on disk.']);
  t.equal(r.ok, false);
  t.equal(checkCitations('It parses the file in one pass and returns a dict (a.py:11).', context).ok, true, 'a path suffix cites the file');
});

t.test('streamChat against a fake Ollama: streams tokens, request shape, clear errors', async (t) => {
  const fake = await startFakeOllama({ answer: () => 'The config is parsed by parseJsonConfig (src/configLoader.ts:1-3) and returned as is.' });
  t.teardown(() => fake.close());
  fake.tokenDelayMs = 15;
  const tokens: { tok: string; sentSoFar: number }[] = [];
  const r = await streamChat({
    host: fake.url,
    model: 'qwen2.5-coder:7b',
    messages: [
      { role: 'system', content: 'sys' },
      { role: 'user', content: 'q' },
    ],
    temperature: 0.1,
    numCtx: 8192,
    timeoutMs: 2000,
    onToken: (tok) => tokens.push({ tok, sentSoFar: fake.sentAt.length }),
  });
  t.equal(r.text, 'The config is parsed by parseJsonConfig (src/configLoader.ts:1-3) and returned as is.');
  t.equal(tokens.map((x) => x.tok).join(''), r.text);
  t.ok(tokens.length > 10, `streamed in ${tokens.length} pieces`);
  t.ok(
    tokens[0].sentSoFar < fake.sentAt.length,
    `the first token reached the caller when the server had sent ${tokens[0].sentSoFar} of ${fake.sentAt.length} pieces: printed as it came`,
  );
  t.equal(r.endpoint, 'chat');
  const req = fake.requests[0];
  t.equal(req.path, '/api/chat');
  t.match(req.body, {
    model: 'qwen2.5-coder:7b',
    stream: true,
    options: { temperature: 0.1, num_ctx: 8192 },
    messages: [{ role: 'system' }, { role: 'user' }],
  });

  const base = { host: fake.url, messages: [{ role: 'user' as const, content: 'q' }], temperature: 0, numCtx: 2048, timeoutMs: 400 };
  const missing = await streamChat({ ...base, model: 'llama9' }).catch((e: unknown) => e);
  t.ok(missing instanceof ContextdError);
  t.match((missing as ContextdError).message, /has no model llama9: model "llama9" not found, try pulling it first/);
  t.match((missing as ContextdError).hint, /ollama pull llama9.*\[ask\] model.*CONTEXTD_ASK_MODEL/);

  const port = await freePort();
  const down = await streamChat({ ...base, host: `http://127.0.0.1:${port}`, model: 'm' }).catch((e: unknown) => e);
  t.match((down as ContextdError).message, /no Ollama server answers at http:\/\/127\.0\.0\.1:\d+/);
  t.match((down as ContextdError).hint, /ollama serve.*CONTEXTD_OLLAMA_HOST/);

  fake.mode = 'hang';
  // The token timeout ends the wait (a stall would show as this test's timeout).
  const hung = await streamChat({ ...base, model: 'qwen2.5-coder:7b' }).catch((e: unknown) => e);
  t.match((hung as ContextdError).message, /sent nothing for 0 s/);
  t.match((hung as ContextdError).hint, /timeoutMs/);

  fake.mode = 'hang-mid-stream';
  const partial: string[] = [];
  const stalled = await streamChat({ ...base, model: 'qwen2.5-coder:7b', onToken: (x) => partial.push(x) }).catch((e: unknown) => e);
  t.match((stalled as ContextdError).message, /sent no more tokens.*incomplete/);
  t.equal(partial.length, 3, 'what came before the stall was streamed');

  fake.mode = 'error-mid-stream';
  const broken = await streamChat({ ...base, model: 'qwen2.5-coder:7b' }).catch((e: unknown) => e);
  t.match((broken as ContextdError).message, /llama runner process has terminated/);

  fake.mode = 'no-chat-endpoint';
  const old = await streamChat({
    ...base,
    model: 'qwen2.5-coder:7b',
    messages: [
      { role: 'system', content: 'rules' },
      { role: 'user', content: 'q' },
    ],
  });
  t.equal(old.endpoint, 'generate', 'an Ollama without /api/chat is asked through /api/generate');
  t.equal(old.text, 'The config is parsed by parseJsonConfig (src/configLoader.ts:1-3) and returned as is.');
  const gen = fake.requests.at(-1)!;
  t.match(gen, { path: '/api/generate', body: { system: 'rules', prompt: 'q', stream: true } });
});

t.test('probeOllama: version, latency, model present or not', async (t) => {
  const fake = await startFakeOllama({ models: ['qwen2.5-coder:7b', 'nomic-embed-text:latest'] });
  t.teardown(() => fake.close());
  const [embed, llm] = await probeOllama(
    fake.url,
    [
      { name: 'embedder', model: 'nomic-embed-text', configured: true, without: 'semantic off', modelSetting: '[embed] model' },
      { name: 'llm', model: 'llama3.2', configured: true, without: 'ask off', modelSetting: '[ask] model' },
    ],
    1000,
  );
  t.match(embed, { state: 'ok', version: '0.6.2', detail: 'model nomic-embed-text present' });
  t.ok(typeof embed.latencyMs === 'number');
  t.match(llm, { state: 'down', detail: /model llama3\.2 is not pulled \(have: qwen2\.5-coder:7b, nomic-embed-text:latest\)/, fix: /ollama pull llama3\.2/ });
  const port = await freePort();
  const [off] = await probeOllama(`http://127.0.0.1:${port}`, [{ name: 'llm', model: 'm', configured: false, without: 'ask off', modelSetting: '' }], 500);
  t.match(off, { state: 'off', detail: /cannot reach Ollama \(ECONNREFUSED\)/ });
});

/** A fake model that cites the first excerpt it was given, plus one claim citing nothing and one bad citation. */
function citingModel(body: ChatBody): string {
  const ex = excerptsOf(body);
  if (!ex.length) return 'The excerpts do not show this.';
  const first = ex[0];
  return [
    `The configuration is parsed in ${first.path} (${first.path}:${first.start}-${Math.min(first.end, first.start + 1)}).`,
    `It is also validated somewhere else in the module (${first.path}:${first.end + 500}).`,
    'The result is cached for the whole lifetime of the process afterwards.',
  ].join('\n');
}

t.test('Engine.ask, the ask_codebase MCP tool and `contextd ask`: grounded, streamed, citations checked', async (t) => {
  const dir = tempDir(t);
  const { env: baseEnv } = isolatedEnv(join(dir, 'home'));
  const root = join(dir, 'repo');
  await buildFixture('basic', root);
  const fake = await startFakeOllama({ answer: citingModel });
  t.teardown(() => fake.close());
  const env = { ...baseEnv, CONTEXTD_OLLAMA_HOST: fake.url, CONTEXTD_EMBEDDER: 'off', CONTEXTD_HISTORY: 'off', CONTEXTD_WORKERS: '0' };
  const engine = await Engine.open(loadConfig(env));
  t.teardown(() => engine.close());
  await engine.index(root);

  const streamed: string[] = [];
  const r = await engine.ask('where is parseJsonConfig defined and how does it parse the text?', { repo: root, onToken: (x) => streamed.push(x) });
  t.equal(r.intent, 'find');
  t.same(r.analysis.symbols, ['parseJsonConfig']);
  t.ok(r.context.length > 0 && r.context.length <= 8);
  t.equal(r.context[0].path, 'src/configLoader.ts', "the named symbol's definition comes first");
  t.ok(r.context[0].via.some((v) => v.startsWith('symbol parseJsonConfig')));
  t.equal(streamed.join(''), r.answer);
  const prompt = fake.requests.at(-1)!.body.messages!;
  t.match(prompt[0].content, /cite .*path:line/i);
  t.match(prompt[1].content, /^\[1\] src\/configLoader\.ts:1-\d+ \(parseJsonConfig, typescript\)$/m);
  t.match(prompt[1].content, /^1 \| export function parseJsonConfig/m, 'excerpts carry their line numbers');
  t.equal(r.citations.citations[0].status, 'ok');
  t.equal(r.citations.invalid.length, 1, 'a citation outside the excerpts is flagged');
  t.equal(r.citations.uncited.length, 1, 'a claim without a citation is flagged');

  // MCP: the final text with sources and the citation check.
  const server = createMcpServer(
    {
      engine,
      registeredRoots: async () => [root],
      askAvailable: async () => true,
      audit: () => {},
      status: async () => ({}) as never,
      reindex: async () => {},
    } as McpContext,
    root,
  );
  const [a, b] = InMemoryTransport.createLinkedPair();
  await server.connect(a);
  const client = new Client({ name: 'test', version: '1' });
  await client.connect(b);
  t.teardown(() => client.close());
  t.ok(
    (await client.listTools()).tools.some((x) => x.name === 'ask_codebase'),
    'ask_codebase is listed',
  );
  const res = (await client.callTool({ name: 'ask_codebase', arguments: { question: 'how is the JSON config parsed?' } })) as CallToolResult;
  t.notOk(res.isError);
  const text = (res.content[0] as { text: string }).text;
  t.match(text, /The configuration is parsed in/);
  t.match(text, /Sources:\n {2}\[1\] /);
  t.match(text, /Citation check:\n {2}- citation .* points at lines the model was not shown/);
  t.match(text, /uncited: "The result is cached/);
  t.match(res.structuredContent, { model: 'qwen2.5-coder:7b', citations: { ok: false, valid: 1 } });

  // The CLI streams, then prints the sources and the check; --json gives the whole result.
  await engine.close();
  const cli = await runCli(['ask', 'how', 'is', 'the', 'JSON', 'config', 'parsed?', '--repo', root], { env });
  t.equal(cli.code, 0, cli.stderr);
  t.match(cli.stdout, /The configuration is parsed in .*\n\nSources:\n {2}\[1\] /s);
  t.match(cli.stdout, /Citation check:/);
  t.match(cli.stderr, /\(explain; \d excerpts?\)/);
  const json = await runCli(['ask', 'where is parseJsonConfig?', '--repo', root, '--json'], { env });
  t.equal(json.code, 0, json.stderr);
  const parsed = JSON.parse(json.stdout);
  t.match(parsed, { intent: 'find', model: 'qwen2.5-coder:7b', entities: { symbols: ['parseJsonConfig'] }, citations: { ok: false } });
  t.ok(parsed.sources.length > 0 && parsed.timings.retrievalMs >= 0);

  // Without Ollama: one clear line saying what to configure.
  const port = await freePort();
  const noOllama = await runCli(['ask', 'where is parseJsonConfig?', '--repo', root], { env: { ...env, CONTEXTD_OLLAMA_HOST: `http://127.0.0.1:${port}` } });
  t.equal(noOllama.code, 1);
  t.match(
    noOllama.stderr,
    /contextd: error: no Ollama server answers at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\); `contextd ask` needs a local model through Ollama\n {2}hint: start it \(`ollama serve`, then `ollama pull qwen2\.5-coder:7b`\), or set CONTEXTD_OLLAMA_HOST/,
  );
  const noModel = await runCli(['ask', 'where is parseJsonConfig?', '--repo', root, '--model', 'nope'], { env });
  t.equal(noModel.code, 1);
  t.match(noModel.stderr, /has no model nope[^\n]*\n {2}hint: run: ollama pull nope/);
  const help = await runCli(['ask', '--help'], { env });
  t.match(help.stdout, /--json/);
});

t.test('live Ollama generation (set OLLAMA_HOST, and CONTEXTD_ASK_MODEL)', { skip: process.env.OLLAMA_HOST ? false : 'OLLAMA_HOST is not set' }, async (t) => {
  const host = process.env.OLLAMA_HOST!.startsWith('http') ? process.env.OLLAMA_HOST! : `http://${process.env.OLLAMA_HOST}`;
  const dir = tempDir(t);
  const root = join(dir, 'repo');
  await buildFixture('basic', root);
  const engine = await Engine.open(
    loadConfig({
      ...process.env,
      CONTEXTD_DATA_DIR: join(dir, 'data'),
      CONTEXTD_CONFIG_DIR: join(dir, 'cfg'),
      CONTEXTD_OLLAMA_HOST: host,
      CONTEXTD_EMBEDDER: 'off',
      CONTEXTD_ASK_TIMEOUT_MS: '600000',
    }),
  );
  t.teardown(() => engine.close());
  await engine.index(root);
  let pieces = 0;
  const r = await engine.ask('Where is parseJsonConfig defined?', { repo: root, onToken: () => pieces++ });
  t.ok(r.answer.length > 0 && pieces > 1, 'streamed an answer');
  t.ok(
    r.citations.citations.some((c) => c.status === 'ok'),
    `cites the code it was given: ${r.answer}`,
  );
});
