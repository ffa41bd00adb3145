import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { backendWord } from '../../backends/health.js';
import { audited, textResult, type ToolDeps } from '../toolkit.js';

export function registerIndexStatus(server: McpServer, deps: ToolDeps): void {
  server.registerTool(
    'index_status',
    {
      title: 'Index status',
      description: 'What contextd has indexed: each repository with its indexed commit vs HEAD, files, chunks, pending work, errors, and backend health.',
      inputSchema: {},
    },
    audited(deps, 'index_status', async () => {
      const s = await deps.ctx.status();
      const lines = [`contextd ${s.version}, up ${Math.round(s.uptimeMs / 1000)} s, queue ${s.queue.pending} pending / ${s.queue.running} running`];
      for (const b of s.backends) {
        const word = backendWord(b);
        lines.push(`backend ${b.name}: ${word === 'down' ? 'DOWN' : word} (${b.kind}, ${b.detail})${b.fix && word !== 'ok' && word !== 'off' ? `; fix: ${b.fix}` : ''}`);
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
      return { result: textResult(lines.join('\n'), { ...s } as unknown as Record<string, unknown>), hits: s.repos.length };
    }),
  );
}
