import t from 'tap';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CodeVecEmbedder, trainCodeVecBlob } from '../daemon/embed/codevec-embedder.js';
import { REPO_ROOT } from './helpers/cli.js';

/** Real code to learn from: this project's own sources, cut into blank-line separated blocks. */
function corpus(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir)) {
      const p = join(dir, e);
      if (statSync(p).isDirectory()) walk(p);
      else if (p.endsWith('.ts')) out.push(...readFileSync(p, 'utf8').split(/\n\s*\n/).filter((b) => b.trim().length > 40));
    }
  };
  walk(join(REPO_ROOT, 'daemon'));
  return out;
}

const PAIRS: { query: string; similar: string; unrelated: string }[] = [
  {
    query: 'remove an entry from the cache',
    similar: 'def evict(self, key):\n    """drop the cached item"""\n    del self._store[key]\n    self._size -= 1',
    unrelated: 'def render_page(template, context):\n    html = template.format(**context)\n    return html.strip()',
  },
  {
    query: 'where do we retry failed uploads',
    similar: 'def _resend_chunk(session, chunk, attempts=3):\n    for attempt in range(attempts):\n        try:\n            return session.put(chunk.url, data=chunk.data)\n        except ConnectionError:\n            time.sleep(2 ** attempt)\n    raise UploadError("gave up")',
    unrelated: 'function drawCircle(ctx, radius) {\n  ctx.beginPath();\n  ctx.arc(0, 0, radius, 0, 2 * Math.PI);\n  ctx.fill();\n}',
  },
  {
    query: 'read the settings file',
    similar: 'export function loadConfig(path: string): Config {\n  const text = readFileSync(path, "utf8");\n  return JSON.parse(text) as Config;\n}',
    unrelated: 'func average(values []float64) float64 {\n\ttotal := 0.0\n\tfor _, v := range values {\n\t\ttotal += v\n\t}\n\treturn total / float64(len(values))\n}',
  },
  {
    query: 'open a network connection to the server',
    similar: 'def connect(host, port):\n    sock = socket.create_connection((host, port), timeout=5)\n    return sock',
    unrelated: 'def sort_names(people):\n    return sorted(p.name for p in people)',
  },
];

const cos = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i], 0);

t.test('the built-in embedder ranks similar code above unrelated code', async (t) => {
  const texts = [...corpus(), ...PAIRS.flatMap((p) => [p.similar, p.unrelated])];
  t.ok(texts.length > 500, `trained on real code (${texts.length} blocks)`);
  const trained = trainCodeVecBlob(texts);
  const e = CodeVecEmbedder.fromBlob(trained.modelId, trained.blob);
  t.equal(e.dimension, trained.dim);
  for (const p of PAIRS) {
    const [q] = await e.embed([p.query], 'query');
    const [a, b] = await e.embed([p.similar, p.unrelated], 'document');
    const sa = cos(q, a);
    const sb = cos(q, b);
    t.ok(sa > sb, `${JSON.stringify(p.query)}: similar ${sa.toFixed(3)} > unrelated ${sb.toFixed(3)}`);
  }
  const [v] = await e.embed(['anything at all'], 'document');
  t.ok(Math.abs(Math.hypot(...v) - 1) < 1e-3 || v.every((x) => x === 0), 'document vectors are unit length (or zero)');
});

t.test('training is deterministic: same chunks, same model id and vectors', async (t) => {
  const texts = corpus().slice(0, 400);
  const a = trainCodeVecBlob(texts);
  const b = trainCodeVecBlob(texts);
  t.equal(a.modelId, b.modelId);
  t.ok(a.blob.equals(b.blob));
  const c = trainCodeVecBlob(texts.slice(0, 300));
  t.not(c.modelId, a.modelId, 'another corpus, another model');
});
