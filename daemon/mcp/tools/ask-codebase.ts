import type { McpServer, RegisteredTool } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { citationWarnings, sourcesText } from '../../ask/format.js';
import { defineTool, resolveRepo, type ToolDeps } from '../toolkit.js';
import { repoArg } from '../schemas.js';

/** Tokens between two progress notifications. */
const TOKENS_PER_PROGRESS = 20;

export function registerAskCodebase(server: McpServer, deps: ToolDeps): RegisteredTool {
  return defineTool(server, deps, {
    name: 'ask_codebase',
    title: 'Ask a question about the code (local model)',
    description:
      'Answer a question about the code with the local model (Ollama), grounded in code found by hybrid search; every claim cites path:line and citations are checked. ' +
      'Slower than search_code (it generates text): prefer search_code/get_code when you can read the code yourself.',
    input: {
      question: z.string().min(3).max(2000).describe('the question, e.g. "where is the retry delay computed?" or "why does load_config fail on empty files?"'),
      repo: repoArg,
      max_context_chunks: z.number().int().min(1).max(20).optional().describe('code excerpts given to the model (default from [ask] contextChunks)'),
    },
    output: {
      answer: z.string(),
      model: z.string(),
      intent: z.string(),
      entities: z.object({
        symbols: z.array(z.string()),
        paths: z.array(z.object({ path: z.string(), startLine: z.number().int().optional(), endLine: z.number().int().optional() })),
      }),
      sources: z.array(
        z.object({
          n: z.number().int(),
          repo: z.string(),
          path: z.string(),
          startLine: z.number().int(),
          endLine: z.number().int(),
          symbol: z.string().nullable(),
          via: z.array(z.string()),
        }),
      ),
      citations: z.object({
        ok: z.boolean(),
        valid: z.number().int(),
        invalid: z.array(
          z.object({
            text: z.string(),
            path: z.string(),
            startLine: z.number().int(),
            endLine: z.number().int(),
            status: z.string(),
            chunk: z.number().int().nullable(),
          }),
        ),
        uncited: z.array(z.string()).describe('statements about the code with no citation'),
      }),
    },
    async run(args, call) {
      const root = await resolveRepo(deps, args.repo);
      // Generation takes seconds: progress every few tokens for a client that asked, and a cancel stops the model.
      let tokens = 0;
      const r = await deps.ctx.engine.ask(args.question, {
        repo: root ?? undefined,
        contextChunks: args.max_context_chunks,
        signal: call.signal,
        onToken: () => {
          if (++tokens % TOKENS_PER_PROGRESS === 0) void call.progress(tokens, undefined, `${tokens} tokens generated`);
        },
      });
      const warnings = citationWarnings(r);
      const text = [
        r.answer.trim(),
        sourcesText(r),
        warnings.length ? `Citation check:\n${warnings.map((w) => `  - ${w}`).join('\n')}` : 'Citation check: every statement cites code it was given.',
      ]
        .filter(Boolean)
        .join('\n\n');
      return {
        text,
        structured: {
          answer: r.answer,
          model: r.model,
          intent: r.intent,
          entities: { symbols: r.analysis.symbols, paths: r.analysis.paths },
          sources: r.context.map((c) => ({ n: c.n, repo: c.repo, path: c.path, startLine: c.startLine, endLine: c.endLine, symbol: c.symbol, via: c.via })),
          citations: {
            ok: r.citations.ok,
            valid: r.citations.citations.filter((c) => c.status === 'ok').length,
            invalid: r.citations.invalid,
            uncited: r.citations.uncited,
          },
        },
        hits: r.context.length,
      };
    },
  });
}
