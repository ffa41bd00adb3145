/**
 * Parse throughput of ParsePool on the Python standard library (test
 * directories excluded): MB/s of source through parse + chunk + symbols.
 *
 *   node --import tsx bench/parse-throughput.ts [--workers N] [--rounds R] [--no-baseline] [DIR]
 *
 * Reports a warm figure (the pool has already started its workers and loaded
 * the grammar, which is the steady state of a running daemon) and the cold
 * total including worker start-up. The in-process figure (one thread,
 * parseFile directly) is the baseline the pool should beat.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseFile } from '../daemon/lang/chunker.js';
import { ParsePool } from '../daemon/lang/parse-pool.js';

const SKIP_DIRS = new Set(['test', 'tests', 'idle_test', '__pycache__', 'site-packages', 'dist-packages']);

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i === -1 ? undefined : process.argv[i + 1];
}

function stdlibDir(): string {
  return execFileSync('python3', ['-c', "import sysconfig;print(sysconfig.get_paths()['stdlib'])"], {
    encoding: 'utf8',
  }).trim();
}

function pythonFiles(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) {
      if (!SKIP_DIRS.has(e.name)) pythonFiles(join(dir, e.name), out);
    } else if (e.isFile() && e.name.endsWith('.py')) out.push(join(dir, e.name));
  }
  return out;
}

interface Source {
  path: string;
  text: string;
}

async function timePool(files: Source[], pool: ParsePool): Promise<{ ms: number; chunks: number; symbols: number; fallback: number }> {
  const t0 = performance.now();
  let chunks = 0;
  let symbols = 0;
  let fallback = 0;
  await Promise.all(
    files.map(async (f) => {
      const r = await pool.parse(f.path, f.text, 'python');
      chunks += r.chunks.length;
      symbols += r.symbols.length;
      if (r.fallback) fallback++;
    }),
  );
  return { ms: performance.now() - t0, chunks, symbols, fallback };
}

async function main(): Promise<void> {
  const workers = Number(arg('--workers') ?? 2);
  const rounds = Number(arg('--rounds') ?? 3);
  const args = process.argv.slice(2);
  const positional = args.filter((a, i) => !a.startsWith('--') && args[i - 1] !== '--workers' && args[i - 1] !== '--rounds');
  const dir = positional[0] ?? stdlibDir();
  const files: Source[] = pythonFiles(dir).map((path) => ({ path, text: readFileSync(path, 'utf8') }));
  const bytes = files.reduce((n, f) => n + Buffer.byteLength(f.text), 0);
  const lines = files.reduce((n, f) => n + f.text.split('\n').length, 0);
  const mb = bytes / 1e6;
  console.log(`corpus: ${dir} — ${files.length} files, ${mb.toFixed(1)} MB, ${lines} lines (test dirs excluded)`);

  const coldStart = performance.now();
  const pool = new ParsePool({ workers });
  try {
    const cold = await timePool(files, pool);
    const coldMs = performance.now() - coldStart;
    console.log(
      `pool x${workers}, cold (incl. worker start): ${(mb / (coldMs / 1000)).toFixed(2)} MB/s (${coldMs.toFixed(0)} ms; ` +
        `${cold.chunks} chunks, ${cold.symbols} symbols, ${cold.fallback} fallback)`,
    );
    const warm: number[] = [];
    for (let r = 0; r < rounds; r++) warm.push((await timePool(files, pool)).ms);
    const best = Math.min(...warm);
    const median = warm.slice().sort((a, b) => a - b)[Math.floor(warm.length / 2)];
    console.log(
      `pool x${workers}, warm: ${(mb / (median / 1000)).toFixed(2)} MB/s median, ${(mb / (best / 1000)).toFixed(2)} MB/s best ` +
        `(${warm.map((m) => m.toFixed(0)).join(', ')} ms over ${rounds} rounds)`,
    );
  } finally {
    await pool.close();
  }

  if (!args.includes('--no-baseline')) {
    // Warm the grammar first, as the pool's warm rounds are.
    await parseFile('warm.py', 'x = 1\n', 'python');
    const t0 = performance.now();
    for (const f of files) await parseFile(f.path, f.text, 'python');
    const ms = performance.now() - t0;
    console.log(`in-process (1 thread), warm: ${(mb / (ms / 1000)).toFixed(2)} MB/s (${ms.toFixed(0)} ms)`);
  }
}

await main();
