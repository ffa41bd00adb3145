/**
 * `contextd mcp`: stdio <-> mcp.sock, reading the JSON-RPC lines as they pass so that
 * the daemon going away never leaves a client waiting in silence:
 *
 * - every request the daemon had not answered gets a JSON-RPC error at once;
 * - the bridge then redials for a while (a restarted daemon, systemd socket activation)
 *   and, when the daemon is back, replays the client's `initialize` on the new
 *   connection (its answer is the bridge's, not passed on), so the session goes on;
 *   requests sent meanwhile wait and are passed on after the replay;
 * - when no daemon comes back, queued requests get an error and the bridge exits 1.
 *
 * The client closing stdin ends the session normally (exit 0).
 */
import type { Socket } from 'node:net';
import { LineReader } from '../frames.js';
import { BRIDGE_HEADER_KEY, MCP_SOCKET } from '../server/constants.js';
import { bridgeSocketPath, dial, openDaemonSocket, trace } from './bridge.js';

/** The SDK's ErrorCode.ConnectionClosed: what a client expects when its server goes away. */
const CONNECTION_CLOSED = -32000;
const MAX_LINE = 10 * 1024 * 1024;
/** The id of the bridge's own replayed `initialize` (a client never uses it: string ids of its own are counters or uuids). */
const REPLAY_ID = 'contextd-bridge-reinitialize';
const REDIAL_EVERY_MS = 200;

type JsonRpcId = string | number;
interface Envelope {
  id?: JsonRpcId | null;
  method?: string;
}

function envelope(line: string): Envelope | null {
  try {
    const v = JSON.parse(line) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Envelope) : null;
  } catch {
    return null;
  }
}

const isRequest = (m: Envelope | null): m is Envelope & { id: JsonRpcId; method: string } =>
  !!m && typeof m.method === 'string' && (typeof m.id === 'string' || typeof m.id === 'number');
const isResponse = (m: Envelope | null): m is Envelope & { id: JsonRpcId } =>
  !!m && m.method === undefined && (typeof m.id === 'string' || typeof m.id === 'number');

export interface McpBridgeOptions {
  cwd: string;
  /** How long to redial a daemon that went away before giving up (ms). */
  reconnectMs?: number;
}

export async function runMcpBridge(opts: McpBridgeOptions): Promise<number> {
  const header = JSON.stringify({ [BRIDGE_HEADER_KEY]: { cwd: opts.cwd } });
  const reconnectMs = opts.reconnectMs ?? (Number(process.env.CONTEXTD_BRIDGE_RECONNECT_MS) || 10_000);
  const first = await openDaemonSocket(MCP_SOCKET);

  return new Promise<number>((resolve) => {
    /** Requests the client sent that the daemon has not answered, by JSON id. */
    const pending = new Map<string, JsonRpcId>();
    /** Lines waiting for a connection (while redialing or replaying initialize). */
    const waiting: string[] = [];
    let initializeLine: string | null = null;
    let initializedLine: string | null = null;
    let socket: Socket | null = null;
    let ready = false; // connected and (after a reconnect) initialized again
    let clientDone = false;
    let finished = false;

    const toClient = (line: string) => process.stdout.write(line + '\n');
    const fail = (id: JsonRpcId, message: string) => toClient(JSON.stringify({ jsonrpc: '2.0', id, error: { code: CONNECTION_CLOSED, message } }));
    const finish = (code: number) => {
      if (finished) return;
      finished = true;
      process.stdin.pause();
      resolve(code);
    };

    const send = (line: string) => {
      if (ready && socket) socket.write(line + '\n');
      else waiting.push(line);
    };

    const attach = (s: Socket, replay: boolean) => {
      socket = s;
      const lines = new LineReader({ maxLine: MAX_LINE });
      s.write(header + '\n');
      if (replay && initializeLine) {
        const init = JSON.parse(initializeLine) as Record<string, unknown>;
        s.write(JSON.stringify({ ...init, id: REPLAY_ID }) + '\n');
      } else {
        ready = true;
      }
      s.on('data', (chunk: Buffer) => {
        for (const ev of lines.push(chunk)) {
          if (ev.kind === 'overflow') {
            s.destroy();
            return;
          }
          const line = ev.line.toString('utf8');
          const msg = envelope(line);
          if (isResponse(msg) && msg.id === REPLAY_ID) {
            // The session exists again: finish the handshake, then let the waiting lines through.
            if (initializedLine) s.write(initializedLine + '\n');
            ready = true;
            for (const w of waiting.splice(0)) s.write(w + '\n');
            // What the new daemon offers may differ (ask_codebase follows the local model).
            toClient(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/tools/list_changed' }));
            continue;
          }
          if (isResponse(msg)) {
            pending.delete(JSON.stringify(msg.id));
            trace(`<- ${JSON.stringify(msg.id)}`);
          }
          toClient(line);
        }
      });
      s.on('error', () => undefined); // 'close' follows
      s.on('close', () => {
        if (socket !== s) return;
        socket = null;
        ready = false;
        if (clientDone) return finish(0);
        daemonGone();
      });
    };

    const daemonGone = () => {
      for (const id of pending.values())
        fail(id, 'the contextd daemon stopped before answering this request; try again (the bridge reconnects when the daemon is back)');
      pending.clear();
      process.stderr.write(`contextd: the daemon closed ${MCP_SOCKET}; redialing for ${Math.round(reconnectMs / 1000)} s\n`);
      const deadline = Date.now() + reconnectMs;
      const redial = () => {
        if (clientDone) return finish(0);
        dial(bridgeSocketPath(MCP_SOCKET)).then(
          (s) => {
            process.stderr.write('contextd: reconnected to the daemon\n');
            attach(s, initializeLine !== null);
          },
          () => {
            if (Date.now() < deadline) return void setTimeout(redial, REDIAL_EVERY_MS);
            for (const line of waiting.splice(0)) {
              const msg = envelope(line);
              if (isRequest(msg)) fail(msg.id, 'the contextd daemon is not running');
            }
            process.stderr.write('contextd: the daemon did not come back; start it with `contextd daemon` or `contextd service install`\n');
            finish(1);
          },
        );
      };
      redial();
    };

    const input = new LineReader({ maxLine: MAX_LINE });
    process.stdin.on('data', (chunk: Buffer) => {
      for (const ev of input.push(chunk)) {
        if (ev.kind === 'overflow') {
          process.stderr.write(`contextd: ${ev.reason}; ending the session\n`);
          socket?.destroy();
          return finish(1);
        }
        const line = ev.line.toString('utf8');
        const msg = envelope(line);
        if (isRequest(msg)) {
          pending.set(JSON.stringify(msg.id), msg.id);
          trace(`-> ${msg.method} ${JSON.stringify(msg.id)}`);
          if (msg.method === 'initialize') initializeLine = line;
        } else if (msg?.method === 'notifications/initialized') initializedLine = line;
        send(line);
      }
    });
    process.stdin.on('end', () => {
      clientDone = true;
      if (socket) socket.end();
      else finish(0);
    });
    attach(first, false);
  });
}
