import type { McpServer, RegisteredTool } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { citationWarnings, sourcesText } from '../../ask/format.js';
import { audited, resolveRepo, textResult, type ToolDeps } from '../toolkit.js';

export function registerAskCodebase(server: McpServer, deps: ToolDeps): RegisteredTool {
  return server.registerTool(
    'ask_codebase',
    {
      title: 'Ask a question about the code (local model)',
      description:
        'Answer a question about the indexed code with the local model configured in contextd (Ollama), grounded in code retrieved by hybrid search ' +
        '(names and file paths in the question are looked up directly). Every claim cites path:line; citations are checked against the retrieved code and ' +
        'problems are listed. Slower than search_code (it generates text); prefer search_code/get_code when you can read the code yourself.',
      inputSchema: {
        question: z.string().min(3).max(2000).describe('the question, e.g. "where is the retry delay computed?" or "why does load_config fail on empty files?"'),
        repo: z.string().optional().describe('absolute path of a registered repository (default: the current one)'),
        max_context_chunks: z.number().int().min(1).max(20).optional().describe('code excerpts given to the model (default from [ask] contextChunks)'),
      },
    },
    audited(deps, 'ask_codebase', async (args: { question: string; repo?: string; max_context_chunks?: number }) => {
      const root = await resolveRepo(deps, args.repo);
      const r = await deps.ctx.engine.ask(args.question, { repo: root ?? undefined, contextChunks: args.max_context_chunks });
      const warnings = citationWarnings(r);
      const text = [r.answer.trim(), sourcesText(r), warnings.length ? `Citation check:\n${warnings.map((w) => `  - ${w}`).join('\n')}` : 'Citation check: every statement cites code it was given.']
        .filter(Boolean)
        .join('\n\n');
      return {
        result: textResult(text, {
          answer: r.answer,
          model: r.model,
          intent: r.intent,
          entities: { symbols: r.analysis.symbols, paths: r.analysis.paths },
          sources: r.context.map((c) => ({ n: c.n, repo: c.repo, path: c.path, startLine: c.startLine, endLine: c.endLine, symbol: c.symbol, via: c.via })),
          citations: { ok: r.citations.ok, valid: r.citations.citations.filter((c) => c.status === 'ok').length, invalid: r.citations.invalid, uncited: r.citations.uncited },
        }),
        hits: r.context.length,
      };
    }),
  );
}
