/**
 * The MCP audit log: one JSON line per tool call (tool, arguments, duration, hit
 * count, error) in the data dir, plus in-memory counters for `contextd status`.
 */
import { appendFile } from 'node:fs/promises';
import type { AuditEntry } from '../mcp/context.js';

export interface AuditSummary {
  log: string;
  calls: number;
  errors: number;
  lastCallAt: number | null;
  byTool: Record<string, { calls: number; errors: number; avgMs: number }>;
}

export class AuditLog {
  private calls = 0;
  private errors = 0;
  private lastCallAt: number | null = null;
  private readonly byTool = new Map<string, { calls: number; errors: number; totalMs: number }>();
  private writing: Promise<void> = Promise.resolve();

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
    // Appends are chained so lines never interleave; a failing disk must not fail the tool call.
    this.writing = this.writing.then(() => appendFile(this.path, line, { mode: 0o600 })).catch(() => {});
  }

  summary(): AuditSummary {
    const byTool: AuditSummary['byTool'] = {};
    for (const [tool, t] of this.byTool) byTool[tool] = { calls: t.calls, errors: t.errors, avgMs: Math.round(t.totalMs / t.calls) };
    return { log: this.path, calls: this.calls, errors: this.errors, lastCallAt: this.lastCallAt, byTool };
  }

  flush(): Promise<void> {
    return this.writing;
  }
}
