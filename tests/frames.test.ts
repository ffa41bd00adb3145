/** The bounded frame readers every socket uses (daemon/frames.ts) and the secret redaction of commit text. */
import t from 'tap';
import { ByteQueue, GarbageCounter, LineReader } from '../daemon/frames.js';
import { LogParser } from '../daemon/repo/log.js';
import { redactSecrets } from '../daemon/secrets.js';
import { FAKE_AWS_KEY_ID, FAKE_GITHUB_TOKEN } from '../fixtures/repos.js';

const lines = (events: ReturnType<LineReader['push']>) => events.map((e) => (e.kind === 'line' ? e.line.toString() : `!${e.reason}`));

t.test('LineReader splits lines across chunks, drops \\r, skips blank lines', async (t) => {
  const r = new LineReader({ maxLine: 100 });
  t.same(lines(r.push(Buffer.from('{"a":1}\r\n{"b"'))), ['{"a":1}']);
  t.same(lines(r.push(Buffer.from(':2}\n\n  \n{"c":3}\n'))), ['{"b":2}', '{"c":3}']);
});

t.test('LineReader stops at the line limit and at a whitespace flood, once', async (t) => {
  const long = new LineReader({ maxLine: 1000 });
  t.same(lines(long.push(Buffer.alloc(600, 'x'))), []);
  t.match(lines(long.push(Buffer.alloc(600, 'x'))), [/^!a line is over/]);
  t.same(lines(long.push(Buffer.from('ok\n'))), [], 'closed after the overflow');
  t.ok(long.isClosed);

  for (const fill of [' ', '\n', '\r\n']) {
    const r = new LineReader({ maxLine: 4 * 1024 * 1024, maxBlank: 64 * 1024 });
    let overflowAt = -1;
    for (let sent = 0; sent < 8 * 1024 * 1024 && overflowAt < 0; sent += 64 * 1024) {
      if (r.push(Buffer.alloc(64 * 1024, fill)).some((e) => e.kind === 'overflow')) overflowAt = sent + 64 * 1024;
    }
    t.ok(overflowAt > 0 && overflowAt <= 128 * 1024, `${JSON.stringify(fill)}: cut off after ${overflowAt} bytes, long before the line limit`);
  }
});

t.test('ByteQueue takes across chunk edges', async (t) => {
  const q = new ByteQueue();
  q.push(Buffer.from('abc'));
  q.push(Buffer.from('defg'));
  t.equal(q.take(2).toString(), 'ab');
  t.equal(q.take(4).toString(), 'cdef');
  t.equal(q.length, 1);
  t.equal(q.take(1).toString(), 'g');
});

t.test('GarbageCounter trips after a run of refusals, and resets', async (t) => {
  const g = new GarbageCounter(3);
  t.notOk(g.refused());
  t.notOk(g.refused());
  g.accepted();
  t.notOk(g.refused());
  t.notOk(g.refused());
  t.ok(g.refused());
});

t.test('credentials in commit messages are redacted before anything stores them', async (t) => {
  t.equal(redactSecrets(`deploy with ${FAKE_AWS_KEY_ID} and ${FAKE_GITHUB_TOKEN}`), 'deploy with [redacted: AWS access key id] and [redacted: GitHub token]');
  t.equal(redactSecrets("token.startsWith('ghp_')"), "token.startsWith('ghp_')", 'a mere prefix is kept');
  const p = new LogParser();
  const fields = [
    '\x1e' + 'a'.repeat(40),
    '',
    'Ada',
    'ada@example.com',
    '1700000000',
    'Ada',
    'ada@example.com',
    '1700000000',
    `Rotate ${FAKE_GITHUB_TOKEN}`,
    `key ${FAKE_AWS_KEY_ID}\n`,
  ];
  for (const f of fields) p.push(Buffer.from(f));
  const c = p.finish();
  t.equal(c?.subject, 'Rotate [redacted: GitHub token]');
  t.equal(c?.body, 'key [redacted: AWS access key id]');
});
