/**
 * A full disk under the data dir must not hang the daemon through its log (found by the
 * load suite's full-tmpfs run: the daemon stopped answering). /dev/full fails every write
 * with ENOSPC, as a full disk does.
 */
import t from 'tap';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { tempDir } from './helpers/cli.js';

t.test(
  'log writes that fail with ENOSPC lose lines, not the process: it keeps running and exits',
  { skip: !existsSync('/dev/full') && 'no /dev/full' },
  async (t) => {
    const dir = tempDir(t);
    mkdirSync(join(dir, 'data', 'logs'), { recursive: true });
    symlinkSync('/dev/full', join(dir, 'data', 'logs', 'contextd.log'));
    const script = join(dir, 'child.mts');
    const logger = pathToFileURL(join(import.meta.dirname, '..', 'daemon', 'server', 'logger.ts')).href;
    writeFileSync(
      script,
      `import { createLogger } from ${JSON.stringify(logger)};
const { log, flush } = createLogger(${JSON.stringify(join(dir, 'data'))}, { stderr: false });
for (let i = 0; i < 2000; i++) log.error({ i, pad: 'x'.repeat(200) }, 'a line the disk cannot take');
await new Promise((r) => setTimeout(r, 200));
log.error('still logging');
flush();
process.stdout.write('alive\\n');
`,
    );
    const child = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    t.equal(out.trim(), 'alive', `the process kept running after the failed writes ${err.slice(0, 300)}`);
    t.equal(code, 0, 'and exited normally (no endless flush on exit)');
  },
);
