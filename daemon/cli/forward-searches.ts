/**
 * One-shot CLI searches run in their own process; the daemon's /metrics counts them
 * because the CLI tells it (`search.observed` on the control socket) after the answer is
 * printed. Best-effort: no daemon, or one that is slow to answer, costs at most 300 ms
 * once and never fails the command.
 */
import { existsSync } from 'node:fs';
import type { SearchEvent, SearchObserver } from '../types.js';
import { controlSocketPath, daemonCall } from './daemon-client.js';

export class SearchForwarder implements SearchObserver {
  private readonly events: SearchEvent[] = [];

  searchStarted(): void {}

  searchEnded(event: SearchEvent): void {
    this.events.push(event);
  }

  async flush(): Promise<void> {
    if (!this.events.length || !existsSync(controlSocketPath())) return;
    for (const ev of this.events.splice(0)) await daemonCall('search.observed', ev, 300).catch(() => undefined);
  }
}
