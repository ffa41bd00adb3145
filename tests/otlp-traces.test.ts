/**
 * OTLP traces against a small OTLP/HTTP receiver written here (POST /v1/traces, JSON): a
 * daemon with `[otel] endpoint` exports an index run with its phases, the embedding pass and
 * an MCP search with its parts; a one-shot CLI search (main thread) exports each retriever
 * and the fusion. Spans of one trace share its id and name their parent; no attribute holds
 * a query or a path. Without an endpoint the tracer is the shared no-op; a collector that is
 * down costs the spans (counted), not the caller.
 */
import t from 'tap';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { daemonWithRepo, eventually } from './helpers/daemon.js';
import { runJson } from './helpers/cli.js';
import { UnixSocketClientTransport } from './helpers/mcp-socket-transport.js';
import { NOOP_TRACER, OtlpTracer } from '../daemon/metrics/tracing.js';
import { freePort } from './helpers/services.js';

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: { key: string; value: Record<string, unknown> }[];
  status: { code: number };
}

async function startReceiver(t: Tap.Test): Promise<{ url: string; spans: OtlpSpan[]; services: Set<string> }> {
  const spans: OtlpSpan[] = [];
  const services = new Set<string>();
  const read = (req: IncomingMessage) =>
    new Promise<string>((resolve) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => resolve(body));
    });
  const server = createServer((req, res) => {
    void read(req).then((body) => {
      if (req.method !== 'POST' || req.url !== '/v1/traces' || req.headers['content-type'] !== 'application/json') {
        res.writeHead(404).end();
        return;
      }
      const data = JSON.parse(body) as {
        resourceSpans: { resource: { attributes: { key: string; value: { stringValue?: string } }[] }; scopeSpans: { spans: OtlpSpan[] }[] }[];
      };
      for (const rs of data.resourceSpans) {
        services.add(rs.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue ?? '');
        for (const ss of rs.scopeSpans) spans.push(...ss.spans);
      }
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => server.close(() => r())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, spans, services };
}

t.test('a daemon and the CLI export their spans to an OTLP collector', async (t) => {
  const rx = await startReceiver(t);
  const { repo, env } = await daemonWithRepo(t, 'basic', { CONTEXTD_OTLP_ENDPOINT: rx.url, CONTEXTD_OTLP_FLUSH_MS: '100' });
  const names = () => new Set(rx.spans.map((s) => s.name));
  t.ok(await eventually(async () => names().has('contextd.index') && names().has('contextd.index.scan'), 30_000), 'the first index run');

  const client = new Client({ name: 'otlp-test', version: '1' });
  await client.connect(new UnixSocketClientTransport(join(env.XDG_RUNTIME_DIR!, 'contextd', 'mcp.sock')));
  t.teardown(() => client.close());
  await client.callTool({ name: 'search_code', arguments: { query: 'parse json config', repo } });
  t.ok(await eventually(async () => names().has('contextd.search.history-record'), 30_000), 'the MCP search');

  // Searched in the CLI's own process (a running daemon would answer it on a search worker, which
  // reports no per-retriever spans): the CLI exports its spans as well.
  await runJson(['search', 'cache invalidation', '--repo', repo, '--json'], { env: { ...env, CONTEXTD_NO_DAEMON: '1' } });
  t.ok(await eventually(async () => names().has('contextd.search.fusion'), 30_000), 'the CLI search');

  for (const name of [
    'contextd.index',
    'contextd.index.scan',
    'contextd.index.index',
    'contextd.index.history',
    'contextd.embed',
    'contextd.search',
    'contextd.search.compute',
    'contextd.search.lexical',
    'contextd.search.symbols',
    'contextd.search.history',
    'contextd.search.semantic',
    'contextd.search.fusion',
    'contextd.search.attach-history',
    'contextd.search.history-record',
  ])
    t.ok(names().has(name), `span ${name}`);
  t.same([...rx.services], ['contextd'], 'the service name');

  const byId = new Map(rx.spans.map((s) => [s.spanId, s]));
  const root = rx.spans.find((s) => s.name === 'contextd.index')!;
  const scan = rx.spans.find((s) => s.name === 'contextd.index.scan' && s.parentSpanId === root.spanId);
  t.ok(scan, 'a phase is a child of its run');
  t.equal(scan?.traceId, root.traceId, 'in the same trace');
  t.ok(BigInt(scan!.startTimeUnixNano) >= BigInt(root.startTimeUnixNano) && BigInt(scan!.endTimeUnixNano) <= BigInt(root.endTimeUnixNano), 'inside its time');
  const fusion = rx.spans.find((s) => s.name === 'contextd.search.fusion')!;
  const compute = byId.get(fusion.parentSpanId!)!;
  t.equal(compute.name, 'contextd.search.compute', 'a retriever span is a child of the computation');
  t.equal(byId.get(compute.parentSpanId!)?.name, 'contextd.search', '... which is a child of the search');
  const search = rx.spans.find((s) => s.name === 'contextd.search' && s.spanId === compute.parentSpanId)!;
  t.match(
    Object.fromEntries(search.attributes.map((a) => [a.key, Object.values(a.value)[0]])),
    { 'contextd.front_end': 'cli', 'contextd.mode': 'hybrid', 'contextd.outcome': 'hits' },
    'the search span says who asked and how it went',
  );
  t.ok(
    rx.spans.every((s) => s.status.code === 1),
    'every span ended ok',
  );
  const values = rx.spans.flatMap((s) => s.attributes.map((a) => String(Object.values(a.value)[0])));
  t.notOk(
    values.some((v) => v.includes('json config') || v.includes('cache invalidation') || v.includes('/')),
    'no query or path in any attribute',
  );
});

t.test('off by default; a collector that is down costs the spans only', async (t) => {
  t.equal(NOOP_TRACER.enabled, false);
  t.equal(NOOP_TRACER.startSpan('a'), NOOP_TRACER.startSpan('b').child('c'), 'one shared no-op span');
  const port = await freePort();
  const errors: string[] = [];
  const tracer = new OtlpTracer({ endpoint: `http://127.0.0.1:${port}`, timeoutMs: 2000, onError: (m) => errors.push(m) });
  const span = tracer.startSpan('x');
  span.child('y').end();
  span.end();
  await tracer.shutdown();
  t.same(tracer.counts, { exported: 0, dropped: 2 }, 'counted as dropped');
  t.match(errors[0], /cannot export 2 span\(s\) to http:\/\/127\.0\.0\.1:\d+\/v1\/traces/);
});
