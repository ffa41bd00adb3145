/**
 * Traces over OTLP/HTTP (JSON encoding, POST <endpoint>/v1/traces), written here rather
 * than taken from the OpenTelemetry SDK: the daemon needs a handful of spans (a search and
 * its parts, an index run and its phases, an embedding pass), and the SDK's packages would
 * load at every start. Off and free by default: without `[otel] endpoint` every caller gets
 * NOOP_TRACER, whose spans are one shared object that does nothing. With an endpoint, ended
 * spans wait in a bounded queue and are posted in batches (every `flushMs`, or 512 spans) with
 * a timeout; a collector that is down costs the spans, never the daemon.
 */
import { randomBytes } from 'node:crypto';
import { VERSION } from '../version.js';
import type { TraceAttributes, TraceSpan, Tracer } from '../types.js';

const NOOP_SPAN: TraceSpan = {
  child: () => NOOP_SPAN,
  setAttributes: () => undefined,
  end: () => undefined,
};

export const NOOP_TRACER: Tracer = { enabled: false, startSpan: () => NOOP_SPAN };

export interface OtlpOptions {
  /** The collector's base URL (http://127.0.0.1:4318); spans go to <endpoint>/v1/traces. */
  endpoint: string;
  serviceName?: string;
  flushMs?: number;
  timeoutMs?: number;
  /** Spans kept while the collector is slow or away; older ones are dropped. */
  maxQueue?: number;
  onError?: (message: string) => void;
}

interface FinishedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: { key: string; value: Record<string, unknown> }[];
  status: { code: number; message?: string };
}

/** Wall-clock nanoseconds from the monotonic clock (a span's ends never go backwards). */
const anchor = { wallNs: BigInt(Date.now()) * 1_000_000n, monoNs: process.hrtime.bigint() };
const nowNs = () => anchor.wallNs + (process.hrtime.bigint() - anchor.monoNs);

function otlpValue(v: string | number | boolean): Record<string, unknown> {
  if (typeof v === 'boolean') return { boolValue: v };
  if (typeof v === 'number') return Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v };
  return { stringValue: v };
}

export class OtlpTracer implements Tracer {
  readonly enabled = true;
  private queue: FinishedSpan[] = [];
  private timer: NodeJS.Timeout | null = null;
  private sending: Promise<void> = Promise.resolve();
  /** Spans posted, and dropped (queue full or collector failing): for status and tests. */
  readonly counts = { exported: 0, dropped: 0 };
  private readonly url: string;

  constructor(private readonly opts: OtlpOptions) {
    this.url = `${opts.endpoint.replace(/\/+$/, '')}/v1/traces`;
  }

  startSpan(name: string, attributes: TraceAttributes = {}): TraceSpan {
    return this.span(name, randomBytes(16).toString('hex'), undefined, attributes);
  }

  private span(name: string, traceId: string, parentSpanId: string | undefined, attributes: TraceAttributes): TraceSpan {
    const spanId = randomBytes(8).toString('hex');
    const start = nowNs();
    const attrs: TraceAttributes = { ...attributes };
    let ended = false;
    const span: TraceSpan = {
      child: (childName, childAttrs = {}) => this.span(childName, traceId, spanId, childAttrs),
      setAttributes: (more) => void Object.assign(attrs, more),
      end: (error) => {
        if (ended) return;
        ended = true;
        this.push({
          traceId,
          spanId,
          parentSpanId,
          name,
          kind: 1,
          startTimeUnixNano: String(start),
          endTimeUnixNano: String(nowNs()),
          attributes: Object.entries(attrs).map(([key, v]) => ({ key, value: otlpValue(v) })),
          status: error ? { code: 2, message: error } : { code: 1 },
        });
      },
    };
    return span;
  }

  private push(span: FinishedSpan): void {
    this.queue.push(span);
    const max = this.opts.maxQueue ?? 4096;
    if (this.queue.length > max) this.counts.dropped += this.queue.splice(0, this.queue.length - max).length;
    if (this.queue.length >= 512) void this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), this.opts.flushMs ?? 2000);
      this.timer.unref();
    }
  }

  /** Posts what is queued; resolves when the collector answered (or failed). */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch = this.queue;
    this.queue = [];
    if (!batch.length) return this.sending;
    const body = JSON.stringify({
      resourceSpans: [
        {
          resource: {
            attributes: [
              { key: 'service.name', value: { stringValue: this.opts.serviceName ?? 'contextd' } },
              { key: 'service.version', value: { stringValue: VERSION } },
            ],
          },
          scopeSpans: [{ scope: { name: 'contextd', version: VERSION }, spans: batch }],
        },
      ],
    });
    this.sending = this.sending.then(async () => {
      try {
        const res = await fetch(this.url, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body,
          signal: AbortSignal.timeout(this.opts.timeoutMs ?? 5000),
        });
        if (!res.ok) throw new Error(`the collector answered ${res.status}`);
        await res.arrayBuffer();
        this.counts.exported += batch.length;
      } catch (err) {
        this.counts.dropped += batch.length;
        this.opts.onError?.(`cannot export ${batch.length} span(s) to ${this.url}: ${(err as Error).message}`);
      }
    });
    return this.sending;
  }

  async shutdown(): Promise<void> {
    await this.flush();
  }
}
