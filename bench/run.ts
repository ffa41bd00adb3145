/**
 * Runs benchmarks one after another (each in its own process, so one's memory and
 * worker threads never skew the next), then rewrites the README tables.
 *   npm run bench                 the quick set (index, daemon, mcp, lsp, history)
 *   npm run bench -- all          every benchmark, the quality one (~10 min) included
 *   npm run bench -- mcp index    the named ones
 * Expects a build (`npm run build`): several drive the compiled CLI.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const BENCHES: Record<string, { file: string; what: string; quick: boolean }> = {
  index: { file: 'bench/index-bench.ts', what: 'index + query latency on the stdlib and this repo, next to ctags (issue 2)', quick: true },
  daemon: { file: 'bench/daemon-bench.ts', what: 'commit -> searchable, branch switches, RSS, idle CPU (issue 4)', quick: true },
  mcp: { file: 'bench/mcp-bench.ts', what: 'search_code through mcp.sock, 1 and 20 clients (issue 6)', quick: true },
  lsp: { file: 'bench/lsp-bench.ts', what: 'workspace/symbol and hover through contextd lsp (issue 7)', quick: true },
  history: { file: 'bench/history-bench.ts', what: 'history enrichment, this repo and a 2,000-commit replay (issue 3)', quick: true },
  quality: { file: 'bench/quality/quality-bench.ts', what: 'MRR@10 of every retriever, latency at 100k chunks (issue 5)', quick: false },
  store: { file: 'bench/store-bench.ts', what: 'SQLite vs PostgreSQL (needs PostgreSQL)', quick: false },
  flood: { file: 'bench/flood-bench.ts', what: 'status latency during an 8 MB whitespace flood on each socket (hardening)', quick: true },
  cache: { file: 'bench/cache-bench.ts', what: 'memory and Redis query cache (needs Redis)', quick: false },
  scale: {
    file: 'bench/scale-bench.ts',
    what: 'the JDK class library (~15k files): index vs ctags, RSS, DB size, search at scale (issue 20; ~5 min)',
    quick: false,
  },
  load: {
    file: 'bench/load-bench.ts',
    what: 'load and faults: 50 MCP + 50 LSP clients, 10k searches, kill -9 x10, hook storm, full disk (issue 20)',
    quick: false,
  },
};

const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  console.log('usage: npm run bench -- [all | NAME...]\n\nbenchmarks (results in bench/results/, tables in README.md):');
  for (const [name, b] of Object.entries(BENCHES)) console.log(`  ${name.padEnd(8)} ${b.what}${b.quick ? '' : '  (not in the default set)'}`);
  process.exit(0);
}
const unknown = args.filter((a) => a !== 'all' && !(a in BENCHES));
if (unknown.length) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')} (see npm run bench -- --help)`);
  process.exit(2);
}
if (!existsSync(join(process.cwd(), 'dist/daemon/cli/main.js'))) {
  console.error('no build found: run `npm run build` first');
  process.exit(2);
}
const names = args.includes('all') ? Object.keys(BENCHES) : args.length ? args : Object.keys(BENCHES).filter((n) => BENCHES[n].quick);

const failed: string[] = [];
for (const name of names) {
  const t0 = performance.now();
  console.error(`\n== ${name}: ${BENCHES[name].what}`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', BENCHES[name].file], { stdio: ['ignore', 'ignore', 'inherit'] });
  const secs = ((performance.now() - t0) / 1000).toFixed(0);
  if (r.status === 0) console.error(`== ${name}: done in ${secs} s`);
  else {
    failed.push(name);
    console.error(`== ${name}: FAILED (exit ${r.status ?? r.signal}) after ${secs} s`);
  }
}
spawnSync(process.execPath, ['--import', 'tsx', 'bench/readme-tables.ts'], { stdio: 'inherit' });
if (failed.length) {
  console.error(`\nfailed: ${failed.join(', ')}`);
  process.exit(1);
}
