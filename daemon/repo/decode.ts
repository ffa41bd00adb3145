/**
 * Decoding of the text git hands back verbatim from commit objects (author
 * names, messages). Git stores those bytes as written; a commit without an
 * `encoding` header made by an old or misconfigured client often holds Latin-1
 * or Windows-1252. Valid UTF-8 is taken as is; anything else is read as
 * Windows-1252 (a superset of Latin-1's printable range), so a name like
 * "Jos\xe9" becomes "José" instead of "Jos\uFFFD".
 */
const utf8 = new TextDecoder('utf-8', { fatal: true });
const cp1252 = new TextDecoder('windows-1252');

export function decodeGitText(buf: Uint8Array): string {
  // Fast path: pure ASCII is the common case and valid in every encoding.
  let ascii = true;
  for (let i = 0; i < buf.length; i++) {
    if (buf[i] > 0x7f) {
      ascii = false;
      break;
    }
  }
  if (ascii) return Buffer.from(buf.buffer, buf.byteOffset, buf.length).toString('latin1');
  try {
    return utf8.decode(buf);
  } catch {
    return cp1252.decode(buf);
  }
}
