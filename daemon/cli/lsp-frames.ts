/**
 * Reads the JSON-RPC messages out of an LSP byte stream (`Content-Length` framing) as it
 * passes through the `contextd lsp` bridge, so the bridge knows which requests the daemon
 * has not answered. The bytes themselves are forwarded untouched; a stream this reader
 * cannot follow (no Content-Length, a header over 8 KiB) only stops the watching.
 */
const MAX_HEADER = 8 * 1024;
const SEPARATOR = Buffer.from('\r\n\r\n');

export class LspFrameReader {
  private buf: Buffer = Buffer.alloc(0);
  private need: number | null = null;
  private lost = false;

  constructor(private readonly onMessage: (body: Buffer) => void) {}

  push(chunk: Buffer): void {
    if (this.lost) return;
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    for (;;) {
      if (this.need === null) {
        const end = this.buf.indexOf(SEPARATOR);
        if (end < 0) {
          if (this.buf.length > MAX_HEADER) this.stop();
          return;
        }
        const m = /(?:^|\r\n)content-length:\s*(\d+)/i.exec(this.buf.subarray(0, end).toString('latin1'));
        if (!m) return this.stop();
        this.need = Number(m[1]);
        this.buf = this.buf.subarray(end + SEPARATOR.length);
      }
      if (this.buf.length < this.need) return;
      const body = this.buf.subarray(0, this.need);
      this.buf = this.buf.subarray(this.need);
      this.need = null;
      this.onMessage(body);
    }
  }

  private stop(): void {
    this.lost = true;
    this.buf = Buffer.alloc(0);
  }
}

export function lspFrame(message: unknown): Buffer {
  const body = Buffer.from(JSON.stringify(message), 'utf8');
  return Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\n\r\n`, 'latin1'), body]);
}
