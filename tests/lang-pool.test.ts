/**
 * ParsePool: same results as in-process parseFile, many parallel jobs, a
 * crashing or hanging worker fails only its own job, workers that cannot
 * start fall back to in-process parsing, close() settles everything.
 */
import { readdirSync, readFileSync } from 'node:fs';
import t from 'tap';
import { parseFile } from '../daemon/lang/chunker.js';
import { languageForPath } from '../daemon/lang/languages.js';
import { ParsePool } from '../daemon/lang/parse-pool.js';

interface Sample {
  path: string;
  text: string;
  language: string;
}

const root = new URL('../fixtures/samples/', import.meta.url);
const samples: Sample[] = readdirSync(root).flatMap((dir) =>
  readdirSync(new URL(`${dir}/`, root)).map((name) => {
    const path = `${dir}/${name}`;
    return { path, text: readFileSync(new URL(path, root), 'utf8'), language: languageForPath(path) ?? 'text' };
  }),
);
const crashWorker = new URL('./lang-crash-worker.ts', import.meta.url);

t.test('workers return exactly what in-process parseFile returns', async (t) => {
  const pool = new ParsePool({ workers: 2 });
  t.teardown(() => pool.close());
  t.equal(pool.size, 2);
  for (const s of samples) {
    const [viaPool, direct] = await Promise.all([pool.parse(s.path, s.text, s.language), parseFile(s.path, s.text, s.language)]);
    t.strictSame(viaPool, direct, s.path);
  }
  const small = await pool.parse('python/cache.py', samples.find((s) => s.path === 'python/cache.py')!.text, 'python', {
    maxChunkLines: 20,
  });
  t.ok(
    small.chunks.some((c) => c.kind === 'header'),
    'chunk options reach the worker',
  );
  t.equal(pool.mode, 'workers');
  t.equal(pool.lastError, null);
});

t.test('many parallel jobs all come back, each with its own result', async (t) => {
  const pool = new ParsePool({ workers: 2 });
  t.teardown(() => pool.close());
  const jobs = Array.from({ length: 300 }, (_, i) => samples[i % samples.length]);
  const expected = new Map<string, unknown>();
  for (const s of samples) expected.set(s.path, await parseFile(s.path, s.text, s.language));
  const results = await Promise.all(jobs.map((s) => pool.parse(s.path, s.text, s.language)));
  let mismatches = 0;
  results.forEach((r, i) => {
    if (JSON.stringify(r) !== JSON.stringify(expected.get(jobs[i].path))) mismatches++;
  });
  t.equal(mismatches, 0);
});

t.test('a worker crash rejects only its job; the pool respawns and carries on', async (t) => {
  const pool = new ParsePool({ workers: 2, workerUrl: crashWorker });
  t.teardown(() => pool.close());
  const py = samples.find((s) => s.language === 'python')!;
  const before = await pool.parse(py.path, py.text, 'python');
  const others = Array.from({ length: 20 }, (_, i) => pool.parse(`ok-${i}.py`, py.text, 'python'));
  const crash = pool.parse('crash-me.py', py.text, 'python');
  const more = Array.from({ length: 20 }, (_, i) => pool.parse(`ok2-${i}.py`, py.text, 'python'));
  await t.rejects(crash, /parse worker died while parsing crash-me\.py/);
  const settled = await Promise.allSettled([...others, ...more]);
  t.equal(settled.filter((s) => s.status === 'fulfilled').length, 40, 'every other job succeeded');
  t.strictSame((await pool.parse('after.py', py.text, 'python')).chunks, before.chunks);
  t.match(pool.lastError, /crash-me/);
  // Crash every worker at once, twice over: still no hang, still serving.
  await Promise.allSettled(Array.from({ length: 4 }, (_, i) => pool.parse(`crash-me-${i}.py`, 'x = 1\n', 'python')));
  t.equal((await pool.parse('again.py', 'def f():\n    pass\n', 'python')).symbols[0]?.name, 'f');
  t.equal(pool.mode, 'workers', 'crashes after a good start do not switch to in-process');
});

t.test('a job over jobTimeoutMs is rejected and its worker replaced', async (t) => {
  const pool = new ParsePool({ workers: 1, workerUrl: crashWorker, jobTimeoutMs: 2000 });
  t.teardown(() => pool.close());
  await pool.parse('warm.py', 'x = 1\n', 'python'); // worker started and grammar loaded
  const hung = pool.parse('hang-me.py', 'x = 1\n', 'python');
  const queued = pool.parse('next.py', 'def g():\n    pass\n', 'python');
  await t.rejects(hung, /took longer than 2000 ms/);
  t.equal((await queued).symbols[0]?.name, 'g', 'the job queued behind it ran on a fresh worker');
});

t.test('workers that cannot start: the pool parses in-process instead of hanging', async (t) => {
  const pool = new ParsePool({ workers: 2, workerUrl: new URL('./no-such-worker.js', import.meta.url) });
  t.teardown(() => pool.close());
  const s = samples.find((x) => x.language === 'go')!;
  const results = await Promise.all([1, 2, 3, 4].map(() => pool.parse(s.path, s.text, s.language)));
  t.strictSame(results[3], await parseFile(s.path, s.text, s.language));
  t.equal(pool.mode, 'in-process');
  t.match(pool.lastError, /failed to start/);
});

t.test('workers: 0 parses in-process', async (t) => {
  const pool = new ParsePool({ workers: 0 });
  t.teardown(() => pool.close());
  t.equal(pool.size, 0);
  t.equal(pool.mode, 'in-process');
  const s = samples[0];
  t.strictSame(await pool.parse(s.path, s.text, s.language), await parseFile(s.path, s.text, s.language));
});

t.test('close() rejects queued and running jobs and later calls', async (t) => {
  const pool = new ParsePool({ workers: 1 });
  const big = 'def f(a):\n    return a\n\n'.repeat(20000);
  const jobs = Promise.allSettled(Array.from({ length: 5 }, (_, i) => pool.parse(`big-${i}.py`, big, 'python')));
  await pool.close();
  const settled = await jobs;
  t.ok(
    settled.every((s) => s.status === 'rejected'),
    'nothing left pending',
  );
  await t.rejects(pool.parse('late.py', 'x = 1\n', 'python'), /closed/);
  await pool.close(); // idempotent
});

t.test('idleMs: idle workers exit (their memory with them) and the next job starts them again', async (t) => {
  const pool = new ParsePool({ workers: 2, idleMs: 50 });
  t.teardown(() => pool.close());
  const src = 'def f(x):\n    return x\n';
  const first = await Promise.all([pool.parse('a.py', src, 'python'), pool.parse('b.py', src, 'python')]);
  t.equal(first[0].chunks.length, first[1].chunks.length);
  t.equal(pool.liveWorkers, 2, 'both workers started');
  // Wait for the workers to go (the state, not a fixed time).
  while (pool.liveWorkers > 0) await new Promise((r) => setTimeout(r, 20));
  t.equal(pool.liveWorkers, 0, 'idle workers exited');
  const again = await pool.parse('c.py', src, 'python');
  t.same(
    again.chunks,
    first[0].chunks.map((c) => ({ ...c })),
    'a job after that is served by a new worker',
  );
  t.ok(pool.liveWorkers > 0);
  t.equal(pool.mode, 'workers', 'an idle exit is not a startup failure');
});
