/**
 * `ask`: answer a question about the indexed code with a local model.
 *
 *   question ──► analyzeQuestion (intent; symbols, paths, file:line)
 *            ──► retrieval guided by it: the named symbols' definitions, the named
 *                files (and lines), hybrid search on the question and on its keywords
 *                (fix: history-weighted too) ──► deduplicated, ranked, within budget
 *            ──► prompt (numbered excerpts, cite path:line) ──► Ollama, streamed
 *            ──► citations checked against the excerpts (invalid / uncited flagged)
 */
import type { AskConfig } from '../config/config.js';
import type { EngineSearchHit, SearchScope } from '../types.js';
import { analyzeQuestion, pathGlob, type QueryAnalysis } from './analyze.js';
import { checkCitations, type CitationReport, type ContextChunk } from './citations.js';
import { streamChat, type ChatOptions, type ChatResult } from './ollama-chat.js';
import { buildMessages, type ChatMessage } from './prompt.js';

export interface AskSource {
  search(query: string, scope: SearchScope): Promise<EngineSearchHit[]>;
}

export interface AskOptions {
  /** A path inside the repository to ask about; all indexed repositories when absent. */
  repo?: string;
  /** Override [ask] model. */
  model?: string;
  /** Most excerpts given to the model (default [ask] contextChunks). */
  contextChunks?: number;
  onToken?: (text: string) => void;
  /** Called once the context is chosen, before generation starts. */
  onContext?: (context: ContextChunk[], analysis: QueryAnalysis) => void;
  signal?: AbortSignal;
}

export interface AskResult {
  question: string;
  answer: string;
  model: string;
  intent: QueryAnalysis['intent'];
  analysis: QueryAnalysis;
  context: ContextChunk[];
  citations: CitationReport;
  timings: { retrievalMs: number; firstTokenMs: number | null; generationMs: number };
}

export type ChatFn = (opts: ChatOptions) => Promise<ChatResult>;

/** Chunks far longer than this are cut around their middle for the prompt (lines). */
const MAX_CHUNK_LINES = 120;

export async function retrieveContext(
  source: AskSource,
  question: string,
  analysis: QueryAnalysis,
  opts: { repo?: string; maxChunks: number; maxChars: number },
): Promise<ContextChunk[]> {
  const scope: SearchScope = { repo: opts.repo };
  type Found = { hit: EngineSearchHit; via: string; rank: number };
  const lookups: Promise<Found[]>[] = [];
  const tag = (via: string, rankBase: number) => (hits: EngineSearchHit[]) => hits.map((hit, i) => ({ hit, via, rank: rankBase + i }));
  const quiet = (p: Promise<Found[]>) => p.catch(() => [] as Found[]);

  // 1. What the question names: definitions of symbols, named files (and lines).
  for (const s of analysis.symbols.slice(0, 4)) {
    const name = s.split(/[.:#]+/).pop()!;
    lookups.push(quiet(source.search(name, { ...scope, mode: 'symbol', limit: 3 }).then(tag(`symbol ${s}`, 0))));
    if (analysis.intent === 'find') lookups.push(quiet(source.search(name, { ...scope, mode: 'lexical', limit: 5 }).then(tag(`uses of ${s}`, 20))));
  }
  for (const p of analysis.paths.slice(0, 3)) {
    const q =
      [...analysis.keywords, ...analysis.symbols].join(' ') ||
      p.path
        .split('/')
        .pop()!
        .replace(/\.\w+$/, '');
    lookups.push(
      quiet(
        source.search(q, { ...scope, paths: [pathGlob(p.path)], limit: p.startLine ? 50 : 4 }).then((hits) => {
          const near = p.startLine ? hits.filter((h) => h.startLine <= (p.endLine ?? p.startLine!) && h.endLine >= p.startLine!) : hits;
          return tag(`file ${p.path}${p.startLine ? `:${p.startLine}` : ''}`, 5)(near.length ? near : hits.slice(0, 3));
        }),
      ),
    );
  }
  // 2. The question itself, and its keywords (fix: also through the commits that touched the code).
  lookups.push(quiet(source.search(question, { ...scope, limit: opts.maxChunks }).then(tag('search', 10))));
  if (analysis.keywords.length >= 2)
    lookups.push(quiet(source.search(analysis.keywords.join(' '), { ...scope, limit: opts.maxChunks }).then(tag('keywords', 12))));
  if (analysis.intent === 'fix') lookups.push(quiet(source.search(question, { ...scope, limit: 4, history: true }).then(tag('history', 14))));

  const found = (await Promise.all(lookups)).flat().sort((a, b) => a.rank - b.rank);
  const byKey = new Map<string, { hit: EngineSearchHit; via: string[]; rank: number }>();
  for (const f of found) {
    const key = `${f.hit.repo}\0${f.hit.path}\0${f.hit.startLine}`;
    const cur = byKey.get(key);
    if (cur) {
      if (!cur.via.includes(f.via)) cur.via.push(f.via);
      cur.rank = Math.min(cur.rank, f.rank) - 1; // found several ways: more likely relevant
    } else byKey.set(key, { hit: f.hit, via: [f.via], rank: f.rank });
  }
  const ranked = [...byKey.values()].sort((a, b) => a.rank - b.rank);
  const out: ContextChunk[] = [];
  let chars = 0;
  for (const { hit, via } of ranked) {
    if (out.length >= opts.maxChunks) break;
    let text = hit.text;
    const startLine = hit.startLine;
    let endLine = hit.endLine;
    const lines = text.split('\n');
    if (lines.length > MAX_CHUNK_LINES) {
      text = lines.slice(0, MAX_CHUNK_LINES).join('\n');
      endLine = startLine + MAX_CHUNK_LINES - 1;
    }
    if (chars + text.length > opts.maxChars && out.length) continue;
    chars += text.length;
    out.push({ n: out.length + 1, repo: hit.repo, path: hit.path, startLine, endLine, symbol: hit.symbol, language: hit.language, text, via });
  }
  return out;
}

export async function askCodebase(
  source: AskSource,
  config: AskConfig,
  question: string,
  opts: AskOptions = {},
  chat: ChatFn = streamChat,
): Promise<AskResult> {
  const t0 = performance.now();
  const analysis = analyzeQuestion(question);
  const context = await retrieveContext(source, question, analysis, {
    repo: opts.repo,
    maxChunks: opts.contextChunks ?? config.contextChunks,
    maxChars: config.maxContextChars,
  });
  const retrievalMs = Math.round(performance.now() - t0);
  opts.onContext?.(context, analysis);
  const model = opts.model ?? config.model;
  if (!context.length) {
    // Nothing to ground an answer in: say so instead of letting a model improvise.
    const answer =
      'Nothing in the index matches this question, so there is no code to answer from. Check that the repository is indexed (`contextd status`, `contextd index`) and try naming a file or function.';
    return {
      question,
      answer,
      model,
      intent: analysis.intent,
      analysis,
      context,
      citations: checkCitations('', context),
      timings: { retrievalMs, firstTokenMs: null, generationMs: 0 },
    };
  }
  const messages: ChatMessage[] = buildMessages(question, analysis, context);
  const result = await chat({
    host: config.ollamaHost,
    model,
    messages,
    temperature: config.temperature,
    numCtx: config.numCtx,
    timeoutMs: config.timeoutMs,
    onToken: opts.onToken,
    signal: opts.signal,
  });
  return {
    question,
    answer: result.text,
    model,
    intent: analysis.intent,
    analysis,
    context,
    citations: checkCitations(result.text, context),
    timings: { retrievalMs, firstTokenMs: result.firstTokenMs, generationMs: result.durationMs },
  };
}
