/**
 * One-shot CLI searches run in their own process. When a daemon runs, the CLI hands it
 * what it recorded after the answer is printed (`searches.observed` on the control socket):
 * the metrics events, so /metrics counts CLI searches, and the search-history entries, so
 * the daemon writes them (a write by another process would change SQLite's data_version and
 * with it every key of the daemon's query cache). Without a daemon the entries are written
 * here. Best-effort: a daemon slow to answer costs at most 500 ms once, never the command.
 */
import { existsSync } from 'node:fs';
import type { SearchEvent, SearchLogEntry, SearchObserver } from '../types.js';
import { controlSocketPath, daemonCall } from './daemon-client.js';

export class SearchForwarder implements SearchObserver {
  private readonly events: SearchEvent[] = [];

  searchStarted(): void {}

  searchEnded(event: SearchEvent): void {
    this.events.push(event);
  }

  /** Hands events and `entries` to the daemon; false when none took them (the caller writes the entries). */
  async handOver(entries: SearchLogEntry[]): Promise<boolean> {
    if ((!this.events.length && !entries.length) || !existsSync(controlSocketPath())) return false;
    try {
      await daemonCall('searches.observed', { events: this.events.splice(0), entries }, 500);
      return true;
    } catch {
      return false;
    }
  }
}
