/**
 * The MCP audit log: one JSON line per tool call (tool, arguments, duration, hit
 * count, error) in the data dir, plus in-memory counters for `contextd status`.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import type { AuditEntry, AuditSummary } from '../types.js';

export type { AuditSummary } from '../types.js';

export class AuditLog {
  private calls = 0;
  private errors = 0;
  private lastCallAt: number | null = null;
  private readonly byTool = new Map<string, { calls: number; errors: number; totalMs: number }>();
  /** One append-mode stream for the daemon's life: opening the file per call cost more than the call's search. */
  private stream: WriteStream | null = null;
  private closed = false;

  constructor(readonly path: string) {}

  record(entry: AuditEntry): void {
    this.calls++;
    if (entry.error) this.errors++;
    this.lastCallAt = entry.at;
    const t = this.byTool.get(entry.tool) ?? { calls: 0, errors: 0, totalMs: 0 };
    t.calls++;
    if (entry.error) t.errors++;
    t.totalMs += entry.durationMs;
    this.byTool.set(entry.tool, t);
    const line = JSON.stringify({ ...entry, at: new Date(entry.at).toISOString() }) + '\n';
    this.open()?.write(line);
  }

  private open(): WriteStream | null {
    if (this.closed) return null;
    if (!this.stream) {
      const stream = createWriteStream(this.path, { flags: 'a', mode: 0o600 });
      // A failing disk must not fail the tool call: drop this stream, try a new one on the next call.
      stream.on('error', () => {
        if (this.stream === stream) this.stream = null;
      });
      this.stream = stream;
    }
    return this.stream;
  }

  summary(): AuditSummary {
    const byTool: AuditSummary['byTool'] = {};
    for (const [tool, t] of this.byTool) byTool[tool] = { calls: t.calls, errors: t.errors, avgMs: Math.round(t.totalMs / t.calls) };
    return { log: this.path, calls: this.calls, errors: this.errors, lastCallAt: this.lastCallAt, byTool };
  }

  /** Writes what was recorded and closes the file; later calls are counted, not written. */
  async close(): Promise<void> {
    this.closed = true;
    const stream = this.stream;
    this.stream = null;
    if (stream && !stream.destroyed) await new Promise<void>((resolve) => stream.end(() => resolve()));
  }
}
