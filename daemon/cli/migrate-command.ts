/**
 * `contextd migrate [--to postgres|sqlite] [--from URL|PATH] [--force] [--json]`: moves the
 * index between the embedded SQLite store and PostgreSQL without parsing or embedding
 * anything again (daemon/store/migrate.ts). The daemon must be stopped: the command takes
 * its lock for the data directory while it copies.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../config/config.js';
import { ContextdError } from '../errors.js';
import { acquireLock } from '../server/lock.js';
import type { MigrateSummary, StoreRef } from '../store/migrate.js';
import { bold, dim, formatDuration, printJson } from './output.js';

interface MigrateOpts {
  to?: string;
  from?: string;
  force?: boolean;
  json?: boolean;
  progress: boolean;
}

const isUrl = (s: string) => /^postgres(ql)?:\/\//.test(s);

function sourceRef(from: string): StoreRef {
  if (isUrl(from)) return { kind: 'postgres', url: from };
  const path = resolve(from);
  if (!existsSync(path))
    throw new ContextdError('bad-argument', `--from ${from}: no such file`, { hint: 'give a postgres:// URL or the path of an index.db', exitCode: 2 });
  return { kind: 'sqlite', path };
}

export function registerMigrateCommand(program: Command): void {
  program
    .command('migrate')
    .description('move the index between the embedded SQLite store and PostgreSQL (nothing is parsed or embedded again)')
    .option('--to <store>', "postgres (the configured [store] url) or sqlite (the data directory's index.db); default: the configured store")
    .option('--from <url|path>', 'the source: a postgres:// URL or an index.db path (default: the other store)')
    .option('--force', "replace the target's index (PostgreSQL: only this machine's repositories)")
    .option('--json', 'print the summary as JSON')
    .option('--no-progress', 'do not print progress')
    .addHelpText(
      'after',
      `
Examples:
  CONTEXTD_DATABASE_URL=postgres://me@db/contextd contextd migrate          # local SQLite -> PostgreSQL
  contextd migrate --to sqlite --from postgres://me@db/contextd            # PostgreSQL -> local SQLite

Stop the daemon first (contextd stop), then start it with the new [store] setting.
A migration that was interrupted is simply run again.`,
    )
    .action(async (opts: MigrateOpts) => {
      const config = loadConfig();
      const to = opts.to ?? (config.store.url ? 'postgres' : opts.from && isUrl(opts.from) ? 'sqlite' : undefined);
      if (to !== 'postgres' && to !== 'sqlite') {
        throw new ContextdError(
          'bad-argument',
          opts.to ? `--to must be postgres or sqlite (got ${JSON.stringify(opts.to)})` : 'nothing to migrate to: no PostgreSQL is configured',
          {
            hint: 'set [store] url or CONTEXTD_DATABASE_URL to migrate into PostgreSQL, or pass --to sqlite --from postgres://…',
            exitCode: 2,
          },
        );
      }
      const dataDir = config.paths.dataDir;
      const localDb = join(dataDir, 'index.db');
      let from: StoreRef;
      let target: StoreRef;
      if (to === 'postgres') {
        if (!config.store.url) {
          throw new ContextdError('bad-argument', 'no PostgreSQL to migrate into', {
            hint: 'set [store] url or CONTEXTD_DATABASE_URL to the target database',
            exitCode: 2,
          });
        }
        target = { kind: 'postgres', url: config.store.url };
        if (opts.from) from = sourceRef(opts.from);
        else if (existsSync(localDb)) from = { kind: 'sqlite', path: localDb };
        else
          throw new ContextdError('bad-argument', `no SQLite index at ${localDb} to migrate`, { hint: 'index something first, or pass --from', exitCode: 2 });
      } else {
        const src = opts.from ?? config.store.url;
        if (!src)
          throw new ContextdError('bad-argument', 'no PostgreSQL to migrate from', { hint: 'pass --from postgres://… (or set [store] url)', exitCode: 2 });
        from = sourceRef(src);
        target = { kind: 'sqlite', path: localDb };
      }
      mkdirSync(dataDir, { recursive: true, mode: 0o700 });
      // No daemon may write to either store meanwhile (and none may start).
      const lock = acquireLock(dataDir);
      const progress = opts.progress && !opts.json;
      let current = '';
      let summary: MigrateSummary;
      try {
        if (progress) process.stderr.write(`migrating ${describe(from)} -> ${describe(target)}\n`);
        const { migrateStore } = await import('../store/migrate.js');
        summary = await migrateStore({
          from,
          to: target,
          machine: config.store.machine,
          force: opts.force,
          dataDir,
          onProgress: progress
            ? (table, n) => {
                if (table !== current && current) process.stderr.write('\n');
                current = table;
                process.stderr.write(`\r  ${table.padEnd(15)} ${n}`);
              }
            : undefined,
        });
        if (progress && current) process.stderr.write('\n');
      } finally {
        lock.release();
      }
      if (opts.json) {
        printJson(summary);
        return;
      }
      const t = summary.tables;
      console.log(
        `${bold('migrated')} ${summary.from} -> ${summary.to}: ${t.repos} repositories, ${t.files} files, ${t.parse_chunks} chunks, ${t.symbols} symbols, ${t.commits} commits, ${t.chunk_vectors} vectors in ${formatDuration(summary.durationMs)}`,
      );
      const reused = summary.reused.parses + summary.reused.commits + summary.reused.vectors;
      if (reused)
        console.log(
          dim(
            `  already in the target (shared, not copied again): ${summary.reused.parses} parses, ${summary.reused.commits} commits, ${summary.reused.vectors} vectors`,
          ),
        );
      if (summary.replaced) console.log(dim("  the target's previous index for this machine was replaced"));
      console.log(
        dim(
          to === 'postgres'
            ? '  the daemon uses PostgreSQL while [store] url / CONTEXTD_DATABASE_URL is set; start it again (`contextd daemon` or the service)'
            : '  unset [store] url / CONTEXTD_DATABASE_URL for the daemon to use the local index',
        ),
      );
    });
}

function describe(ref: StoreRef): string {
  // The password of a URL never reaches the terminal (pg-db's redactUrl, without loading pg here).
  return ref.kind === 'sqlite' ? ref.path : ref.url.replace(/^(postgres(?:ql)?:\/\/[^:/@]*):[^@/]*@/, '$1:***@');
}
