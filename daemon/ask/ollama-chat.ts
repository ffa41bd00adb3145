/**
 * Streaming generation from a local Ollama server (`ollama` client): POST
 * /api/chat with `stream: true` (NDJSON, one message fragment a line), falling
 * back to /api/generate on servers too old to have /api/chat. Tokens are handed
 * to `onToken` as they arrive. A wait longer than `timeoutMs` for the first
 * token (model loading included) or between two tokens aborts the request.
 * Every failure becomes a ContextdError saying what to configure or run.
 */
import { Ollama } from 'ollama';
import { ContextdError } from '../errors.js';
import type { ChatMessage } from './prompt.js';

export interface ChatOptions {
  host: string;
  model: string;
  messages: ChatMessage[];
  temperature: number;
  numCtx: number;
  /** Longest wait for the first token and between tokens (ms). */
  timeoutMs: number;
  onToken?: (text: string) => void;
  signal?: AbortSignal;
  /** Injected for tests. */
  fetch?: typeof fetch;
}

export interface ChatResult {
  text: string;
  model: string;
  endpoint: 'chat' | 'generate';
  /** Tokens generated, as Ollama counts them. */
  evalCount: number | null;
  firstTokenMs: number | null;
  durationMs: number;
}

class IdleTimeout extends Error {
  constructor(
    readonly ms: number,
    readonly phase: 'first token' | 'next token',
  ) {
    super(`no ${phase} from Ollama within ${ms} ms`);
  }
}

/** A client whose every request is aborted by `controller` (the idle timer, the caller's signal). */
function client(opts: ChatOptions, controller: AbortController): Ollama {
  const base = opts.fetch ?? fetch;
  return new Ollama({
    host: opts.host,
    fetch: ((url: string | URL | Request, init?: RequestInit) => {
      const signals = [controller.signal];
      if (init?.signal) signals.push(init.signal);
      if (opts.signal) signals.push(opts.signal);
      return base(url, { ...init, signal: AbortSignal.any(signals) });
    }) as typeof fetch,
  });
}

export async function streamChat(opts: ChatOptions): Promise<ChatResult> {
  const t0 = performance.now();
  const controller = new AbortController();
  let timer: NodeJS.Timeout | null = null;
  let firstTokenMs: number | null = null;
  const arm = (phase: 'first token' | 'next token') => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => controller.abort(new IdleTimeout(opts.timeoutMs, phase)), opts.timeoutMs);
    timer.unref?.();
  };
  const ollama = client(opts, controller);
  const options = { temperature: opts.temperature, num_ctx: opts.numCtx };
  let text = '';
  let evalCount: number | null = null;
  let endpoint: ChatResult['endpoint'] = 'chat';
  const token = (piece: string | undefined) => {
    if (!piece) return;
    if (firstTokenMs === null) firstTokenMs = Math.round(performance.now() - t0);
    text += piece;
    opts.onToken?.(piece);
    arm('next token');
  };
  try {
    arm('first token');
    try {
      const stream = await ollama.chat({ model: opts.model, messages: opts.messages, stream: true, options });
      for await (const part of stream) {
        token(part.message?.content);
        if (part.done) evalCount = part.eval_count ?? null;
      }
    } catch (err) {
      if (!isMissingEndpoint(err) || text) throw err;
      // An Ollama from before /api/chat: the same conversation as one prompt.
      endpoint = 'generate';
      arm('first token');
      const system = opts.messages
        .filter((m) => m.role === 'system')
        .map((m) => m.content)
        .join('\n\n');
      const prompt = opts.messages
        .filter((m) => m.role !== 'system')
        .map((m) => m.content)
        .join('\n\n');
      const stream = await ollama.generate({ model: opts.model, system, prompt, stream: true, options });
      for await (const part of stream) {
        token(part.response);
        if (part.done) evalCount = part.eval_count ?? null;
      }
    }
  } catch (err) {
    throw explain(err, opts, controller.signal.reason, text);
  } finally {
    if (timer) clearTimeout(timer);
  }
  return { text, model: opts.model, endpoint, evalCount, firstTokenMs, durationMs: Math.round(performance.now() - t0) };
}

/** 404 from a server that has no such route (not "model not found"). */
function isMissingEndpoint(err: unknown): boolean {
  const e = err as { name?: string; status_code?: number; message?: string };
  return e?.name === 'ResponseError' && e.status_code === 404 && !/model/i.test(e.message ?? '');
}

const CONFIGURE = 'set CONTEXTD_OLLAMA_HOST (or [embed] ollamaHost / [ask] ollamaHost in config.toml) to where Ollama runs';

export function explain(err: unknown, opts: Pick<ChatOptions, 'host' | 'model' | 'timeoutMs' | 'signal'>, abortReason?: unknown, partial = ''): ContextdError {
  if (err instanceof ContextdError) return err;
  if (abortReason instanceof IdleTimeout) {
    return new ContextdError(
      'ollama-timeout',
      `Ollama at ${opts.host} sent ${abortReason.phase === 'first token' ? 'nothing' : 'no more tokens'} for ${Math.round(abortReason.ms / 1000)} s (model ${opts.model})${partial ? ' (the answer so far is incomplete)' : ''}`,
      {
        hint: 'a large model may still be loading or the machine is busy: raise [ask] timeoutMs (CONTEXTD_ASK_TIMEOUT_MS) or choose a smaller [ask] model (CONTEXTD_ASK_MODEL)',
      },
    );
  }
  if (opts.signal?.aborted) return new ContextdError('aborted', 'the question was cancelled');
  const e = err as { name?: string; status_code?: number; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'ResponseError') {
    if (e.status_code === 404) {
      return new ContextdError('ollama-model-missing', `Ollama at ${opts.host} has no model ${opts.model}: ${e.message}`, {
        hint: `run: ollama pull ${opts.model}   (or pick another model: [ask] model in config.toml, or CONTEXTD_ASK_MODEL)`,
      });
    }
    return new ContextdError('ollama-error', `Ollama at ${opts.host} answered ${e.status_code}: ${e.message}`, {
      hint: e.status_code && e.status_code >= 500 ? 'see `ollama serve` logs; the model may not fit in memory (try a smaller [ask] model)' : CONFIGURE,
    });
  }
  const code = e?.cause?.code;
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EHOSTUNREACH' || code === 'ECONNRESET' || /fetch failed/i.test(e?.message ?? '')) {
    return new ContextdError(
      'ollama-unavailable',
      `no Ollama server answers at ${opts.host}${code ? ` (${code})` : ''}; \`contextd ask\` needs a local model through Ollama`,
      {
        hint: `start it (\`ollama serve\`, then \`ollama pull ${opts.model}\`), or ${CONFIGURE}`,
      },
    );
  }
  if (/did not receive done/i.test(e?.message ?? '')) {
    return new ContextdError(
      'ollama-error',
      `Ollama at ${opts.host} stopped in the middle of the answer${partial ? ' (the answer so far is incomplete)' : ''}`,
      {
        hint: 'see `ollama serve` logs; retry, or choose a smaller [ask] model',
      },
    );
  }
  return new ContextdError('ollama-error', `Ollama at ${opts.host} failed: ${e?.message ?? String(err)}`, { hint: CONFIGURE });
}
