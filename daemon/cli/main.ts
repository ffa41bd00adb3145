#!/usr/bin/env node
/**
 * The `contextd` command. Thin: parse arguments, call the library, print.
 * User errors print one clear line (plus a hint) and exit non-zero, no stack trace.
 */
import { Command, CommanderError } from 'commander';
import { isContextdError } from '../errors.js';
import { registerIndexCommand } from './index-command.js';
import { registerSearchCommand } from './search-command.js';
import { registerSymbolsCommand } from './symbols-command.js';
import { registerDaemonCommands } from './daemon-commands.js';
import { registerServiceCommands } from './service-command.js';
import { registerMcpCommand } from './mcp-command.js';
import { registerLspCommand } from './lsp-command.js';
import { registerHistoryCommand } from './history-command.js';
import { registerRelatedCommand } from './related-command.js';
import { registerGraphCommands } from './graph-command.js';
import { registerLocateCommand } from './locate-command.js';
import { registerChangesCommand } from './changes-command.js';
import { registerAskCommand } from './ask-command.js';
import { registerDoctorCommand } from './doctor-command.js';
import { registerMigrateCommand } from './migrate-command.js';
import { registerMetricsCommands } from './metrics-commands.js';
import { registerSearchesCommand } from './searches-command.js';
import { VERSION } from '../version.js';

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('contextd')
    .description('A live, history-aware index of your git repositories for editors (LSP) and AI agents (MCP).')
    .version(VERSION, '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerIndexCommand(program);
  registerSearchCommand(program);
  registerSymbolsCommand(program);
  registerHistoryCommand(program);
  registerRelatedCommand(program);
  registerLocateCommand(program);
  registerChangesCommand(program);
  registerAskCommand(program);
  registerDoctorCommand(program);
  registerGraphCommands(program);
  registerMigrateCommand(program);
  registerDaemonCommands(program);
  registerSearchesCommand(program);
  registerMetricsCommands(program);
  registerServiceCommands(program);
  registerMcpCommand(program);
  registerLspCommand(program);
  const all = (c: Command): Command[] => [c, ...c.commands.flatMap(all)];
  for (const cmd of all(program)) cmd.exitOverride();
  return program;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return process.exitCode === undefined ? 0 : Number(process.exitCode);
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version arrive here too, with exit code 0.
      return err.exitCode === 0 ? 0 : 2;
    }
    if (isContextdError(err)) {
      process.stderr.write(`contextd: error: ${err.message}\n`);
      if (err.hint) process.stderr.write(`  hint: ${err.hint}\n`);
      return err.exitCode;
    }
    if (process.env.CONTEXTD_DEBUG) process.stderr.write(`${(err as Error)?.stack ?? String(err)}\n`);
    else process.stderr.write(`contextd: internal error: ${(err as Error)?.message ?? String(err)}\n  (set CONTEXTD_DEBUG=1 for details)\n`);
    return 70;
  }
}

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  () => {
    process.exitCode = 70;
  },
);
