import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { backendWord } from '../../backends/health.js';
import { defineTool, type ToolDeps } from '../toolkit.js';

export function registerIndexStatus(server: McpServer, deps: ToolDeps): void {
  defineTool(server, deps, {
    name: 'index_status',
    title: 'Index status',
    description:
      'What contextd has indexed: each registered repository with its indexed commit vs HEAD, files, chunks, symbols, queued work and errors, plus backend health. ' +
      'Use it when results look stale or missing, or to find the repository paths to pass as repo.',
    input: {},
    output: {
      version: z.string(),
      healthy: z.boolean(),
      uptimeMs: z.number(),
      queue: z.object({ pending: z.number().int(), running: z.number().int() }),
      backends: z.array(
        z.object({ name: z.string(), kind: z.string(), healthy: z.boolean(), detail: z.string(), state: z.string().optional(), fix: z.string().optional() }),
      ),
      repos: z.array(
        z.object({
          root: z.string(),
          name: z.string(),
          registered: z.boolean(),
          state: z.string(),
          indexedCommit: z.string().nullable(),
          head: z.string().nullable(),
          upToDate: z.boolean(),
          files: z.number().int(),
          chunks: z.number().int(),
          symbols: z.number().int(),
          pendingJobs: z.number().int(),
          progress: z.object({ phase: z.string(), done: z.number().int(), total: z.number().int() }).nullable(),
          lastError: z.string().nullable(),
        }),
      ),
    },
    async run() {
      const s = await deps.ctx.status();
      const lines = [`contextd ${s.version}, up ${Math.round(s.uptimeMs / 1000)} s, queue ${s.queue.pending} pending / ${s.queue.running} running`];
      for (const b of s.backends) {
        const word = backendWord(b);
        lines.push(
          `backend ${b.name}: ${word === 'down' ? 'DOWN' : word} (${b.kind}, ${b.detail})${b.fix && word !== 'ok' && word !== 'off' ? `; fix: ${b.fix}` : ''}`,
        );
      }
      for (const r of s.repos) {
        const fresh = r.upToDate ? 'up to date' : r.state;
        lines.push(
          `${r.root}: ${fresh}; indexed ${r.indexedCommit?.slice(0, 10) ?? '-'} vs HEAD ${r.head?.slice(0, 10) ?? '-'}; ${r.files} files, ${r.chunks} chunks, ${r.symbols} symbols` +
            (r.pendingJobs ? `; ${r.pendingJobs} pending` : '') +
            (r.lastError ? `; error: ${r.lastError}` : ''),
        );
      }
      if (!s.repos.length) lines.push('no repositories registered: run `contextd add <path>`');
      return { text: lines.join('\n'), structured: s, hits: s.repos.length };
    },
  });
}
