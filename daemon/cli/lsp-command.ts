import type { Command } from 'commander';
import { BRIDGE_HEADER_KEY, LSP_SOCKET } from '../server/constants.js';
import { runLspBridge } from './bridge.js';

export function registerLspCommand(program: Command): void {
  program
    .command('lsp')
    .description('Language server on stdio for editors (workspace symbols, semantic search, history on hover); bridges to the daemon, starting it if needed')
    .option('--stdio', 'accepted for editors that always pass it (stdio is the only transport)')
    .addHelpText(
      'after',
      '\nEditors that can dial a UNIX socket may connect to lsp.sock in the socket directory instead (see `contextd status --json`).\nSet CONTEXTD_NO_AUTOSTART=1 to fail instead of starting the daemon.',
    )
    .action(async () => {
      process.exitCode = await runLspBridge(LSP_SOCKET, JSON.stringify({ [BRIDGE_HEADER_KEY]: { cwd: process.cwd() } }));
    });
}
