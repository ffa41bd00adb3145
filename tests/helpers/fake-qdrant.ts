/**
 * An in-process HTTP server speaking Qdrant's REST API for exactly the calls
 * contextd makes, with the request and response shapes of Qdrant's OpenAPI
 * (docs/redoc/master/openapi.json in qdrant/qdrant; the same schema types ship
 * in @qdrant/js-client-rest's generated_schema.d.ts):
 *
 *   GET    /                                       VersionInfo (not wrapped)
 *   GET    /collections                            {result: {collections: [{name}]}}
 *   GET    /collections/{c}/exists                 {result: {exists}}
 *   PUT    /collections/{c}                        {vectors: {size, distance}} -> result: true; 409 if it exists
 *   DELETE /collections/{c}                        result: true
 *   PUT    /collections/{c}/index?wait=true        {field_name, field_schema} -> UpdateResult
 *   PUT    /collections/{c}/points?wait=true       {points: [{id, vector, payload}]} -> UpdateResult
 *   POST   /collections/{c}/points/delete?wait=... {points: [ids]} -> UpdateResult
 *   POST   /collections/{c}/points/count           {exact, filter?} -> {count}
 *   POST   /collections/{c}/points/scroll          {limit, offset?, with_payload, with_vector, filter?} -> {points, next_page_offset}
 *   POST   /collections/{c}/points/query           {query: number[], filter?, limit, offset?, with_payload} -> {points: ScoredPoint[]}
 *
 * Every success is `{result, status: "ok", time}`; every error is
 * `{status: {error: "..."}, time}` with the status code and message format
 * Qdrant uses: 404 "Not found: Collection `c` doesn't exist!", 409 "Wrong input:
 * Collection `c` already exists!", 400 "Wrong input: Vector dimension error:
 * expected dim: N, got M" and 400 "Format error in JSON body: ..." for bodies
 * that do not parse or lack required fields.
 * Cosine collections store normalized vectors and score by dot product.
 * Filters: must / should / must_not of has_id, {key, match: {value | any}}, is_empty.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

interface Point {
  id: number | string;
  vector: number[];
  payload: Record<string, unknown>;
  version: number;
}

interface Collection {
  size: number;
  distance: string;
  points: Map<string, Point>;
  indexes: Map<string, string>;
}

export interface FakeQdrant {
  url: string;
  collections: Map<string, Collection>;
  requests: { method: string; path: string; query: string; body: unknown }[];
  /** Refuse connections (server closed) until `up()`. */
  down(): Promise<void>;
  up(): Promise<void>;
  /** Accept requests but never answer them, until `unhang()`. */
  hang(): void;
  unhang(): void;
  /** Lose every collection (a restart without storage). */
  wipe(): void;
  close(): Promise<void>;
}

type Filter = { must?: Cond[]; should?: Cond[]; must_not?: Cond[] };
type Cond = Filter & { has_id?: (number | string)[]; key?: string; match?: { value?: unknown; any?: unknown[] }; is_empty?: { key: string } };

function matches(p: Point, f: Filter | undefined): boolean {
  if (!f) return true;
  const test = (c: Cond): boolean => {
    if (c.has_id) return c.has_id.map(String).includes(String(p.id));
    if (c.is_empty) {
      const v = p.payload[c.is_empty.key];
      return v === undefined || v === null || (Array.isArray(v) && !v.length);
    }
    if (c.key && c.match) {
      const v = p.payload[c.key];
      const vals = Array.isArray(v) ? v : [v];
      if ('value' in c.match) return vals.includes(c.match.value);
      if (c.match.any) return vals.some((x) => c.match!.any!.includes(x));
      return false;
    }
    if (c.must || c.should || c.must_not) return matches(p, c);
    throw new Error(`unsupported condition ${JSON.stringify(c)}`);
  };
  if (f.must && !f.must.every(test)) return false;
  if (f.should?.length && !f.should.some(test)) return false;
  if (f.must_not && f.must_not.some(test)) return false;
  return true;
}

function normalize(v: number[]): number[] {
  const n = Math.hypot(...v);
  return n > 0 ? v.map((x) => x / n) : v;
}

export async function startFakeQdrant(opts: { version?: string; port?: number } = {}): Promise<FakeQdrant> {
  const collections = new Map<string, Collection>();
  const requests: FakeQdrant['requests'] = [];
  let hanging = false;
  const hung: ServerResponse[] = [];
  let op = 0;
  const sockets = new Set<Socket>();

  const handler = async (req: IncomingMessage, res: ServerResponse) => {
    const t0 = performance.now();
    let raw = '';
    for await (const c of req) raw += c;
    const url = new URL(req.url ?? '/', 'http://x');
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const ok = (result: unknown) => send(200, { result, status: 'ok', time: (performance.now() - t0) / 1000 });
    const fail = (status: number, error: string) => send(status, { status: { error }, time: (performance.now() - t0) / 1000 });
    let body: Record<string, unknown> = {};
    if (raw) {
      try {
        body = JSON.parse(raw) as Record<string, unknown>;
      } catch (e) {
        return fail(400, `Format error in JSON body: ${(e as Error).message}`);
      }
    }
    requests.push({ method: req.method ?? '', path: url.pathname, query: url.search, body });
    if (hanging) {
      hung.push(res);
      return;
    }
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const m = req.method;
    if (m === 'GET' && parts.length === 0) {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ title: 'qdrant - vector search engine', version: opts.version ?? '1.13.4', commit: 'fake' }));
    }
    if (parts[0] !== 'collections') return fail(404, `Not found: ${url.pathname}`);
    if (m === 'GET' && parts.length === 1) return ok({ collections: [...collections.keys()].map((name) => ({ name })) });
    const name = parts[1];
    const coll = collections.get(name);
    const missing = () => fail(404, `Not found: Collection \`${name}\` doesn't exist!`);
    const updated = () => ok({ operation_id: ++op, status: url.searchParams.get('wait') === 'true' ? 'completed' : 'acknowledged' });
    const rest = parts.slice(2).join('/');

    if (rest === 'exists' && m === 'GET') return ok({ exists: !!coll });
    if (rest === '' && m === 'PUT') {
      const vectors = body.vectors as { size?: unknown; distance?: unknown } | undefined;
      if (!vectors || typeof vectors.size !== 'number' || !Number.isInteger(vectors.size) || vectors.size < 1) {
        return fail(400, 'Format error in JSON body: missing field `vectors` or invalid `size`');
      }
      if (!['Cosine', 'Euclid', 'Dot', 'Manhattan'].includes(String(vectors.distance))) {
        return fail(
          400,
          `Format error in JSON body: unknown variant \`${String(vectors.distance)}\`, expected one of \`Cosine\`, \`Euclid\`, \`Dot\`, \`Manhattan\``,
        );
      }
      if (coll) return fail(409, `Wrong input: Collection \`${name}\` already exists!`);
      collections.set(name, { size: vectors.size, distance: String(vectors.distance), points: new Map(), indexes: new Map() });
      return ok(true);
    }
    if (rest === '' && m === 'DELETE') {
      if (!coll) return missing();
      collections.delete(name);
      return ok(true);
    }
    if (!coll) return missing();
    if (rest === 'index' && m === 'PUT') {
      if (typeof body.field_name !== 'string') return fail(400, 'Format error in JSON body: missing field `field_name`');
      coll.indexes.set(body.field_name, String(body.field_schema));
      return updated();
    }
    if (rest === 'points' && m === 'PUT') {
      const points = body.points as { id: number | string; vector: number[]; payload?: Record<string, unknown> }[] | undefined;
      if (!Array.isArray(points)) return fail(400, 'Format error in JSON body: missing field `points`');
      for (const p of points) {
        if (!Array.isArray(p.vector)) return fail(400, 'Format error in JSON body: missing field `vector`');
        if (p.vector.length !== coll.size) return fail(400, `Wrong input: Vector dimension error: expected dim: ${coll.size}, got ${p.vector.length}`);
      }
      for (const p of points) {
        coll.points.set(String(p.id), {
          id: p.id,
          vector: coll.distance === 'Cosine' ? normalize(p.vector) : p.vector,
          payload: p.payload ?? {},
          version: ++op,
        });
      }
      return updated();
    }
    if (rest === 'points/delete' && m === 'POST') {
      const ids = body.points as (number | string)[] | undefined;
      if (Array.isArray(ids)) for (const id of ids) coll.points.delete(String(id));
      else if (body.filter)
        for (const [k, p] of coll.points)
          if (matches(p, body.filter as Filter)) coll.points.delete(k);
          else return fail(400, 'Format error in JSON body: expected `points` or `filter`');
      return updated();
    }
    if (rest === 'points/count' && m === 'POST') {
      return ok({ count: [...coll.points.values()].filter((p) => matches(p, body.filter as Filter | undefined)).length });
    }
    if (rest === 'points/scroll' && m === 'POST') {
      const limit = typeof body.limit === 'number' ? body.limit : 10;
      const all = [...coll.points.values()].filter((p) => matches(p, body.filter as Filter | undefined)).sort((a, b) => Number(a.id) - Number(b.id));
      const start = body.offset === undefined || body.offset === null ? 0 : all.findIndex((p) => Number(p.id) >= Number(body.offset));
      const page = start < 0 ? [] : all.slice(start, start + limit);
      const next = start >= 0 && all[start + limit] ? all[start + limit].id : null;
      return ok({
        points: page.map((p) => ({
          id: p.id,
          ...(body.with_payload === false ? {} : { payload: p.payload }),
          ...(body.with_vector ? { vector: p.vector } : {}),
        })),
        next_page_offset: next,
      });
    }
    if (rest === 'points/query' && m === 'POST') {
      const q = body.query as number[] | undefined;
      if (!Array.isArray(q)) return fail(400, 'Format error in JSON body: `query` must be a vector here');
      if (q.length !== coll.size) return fail(400, `Wrong input: Vector dimension error: expected dim: ${coll.size}, got ${q.length}`);
      const limit = typeof body.limit === 'number' ? body.limit : 10;
      const offset = typeof body.offset === 'number' ? body.offset : 0;
      const qv = coll.distance === 'Cosine' ? normalize(q) : q;
      const scored = [...coll.points.values()]
        .filter((p) => matches(p, body.filter as Filter | undefined))
        .map((p) => ({ p, score: p.vector.reduce((s, x, i) => s + x * qv[i], 0) }))
        .sort((a, b) => b.score - a.score || Number(a.p.id) - Number(b.p.id))
        .slice(offset, offset + limit);
      return ok({ points: scored.map(({ p, score }) => ({ id: p.id, version: p.version, score, ...(body.with_payload ? { payload: p.payload } : {}) })) });
    }
    return fail(404, `Not found: ${m} ${url.pathname}`);
  };

  let server: Server = createServer((req, res) => void handler(req, res));
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(opts.port ?? 0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const closeServer = () =>
    new Promise<void>((r) => {
      for (const s of sockets) s.destroy();
      server.close(() => r());
    });
  return {
    url: `http://127.0.0.1:${port}`,
    collections,
    requests,
    async down() {
      await closeServer();
    },
    async up() {
      server = createServer((req, res) => void handler(req, res));
      server.on('connection', (s) => {
        sockets.add(s);
        s.on('close', () => sockets.delete(s));
      });
      await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
    },
    hang() {
      hanging = true;
    },
    unhang() {
      hanging = false;
      for (const r of hung.splice(0)) r.destroy();
    },
    wipe() {
      collections.clear();
    },
    close: closeServer,
  };
}
