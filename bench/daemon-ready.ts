/** Waits until a daemon just spawned by a benchmark answers `ping` on its control socket (10 s at most). */
import { callDaemon } from '../daemon/server/rpc-client.js';

export async function daemonReady(socket: string): Promise<void> {
  for (let i = 0; ; i++) {
    try {
      await callDaemon(socket, 'ping', {}, 500);
      return;
    } catch {
      if (i > 200) throw new Error('daemon did not start');
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
