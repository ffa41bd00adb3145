import type { Command } from 'commander';
import { BRIDGE_HEADER_KEY, MCP_SOCKET } from '../server/constants.js';
import { runBridge } from './bridge.js';

export function registerMcpCommand(program: Command): void {
  program
    .command('mcp')
    .description('MCP server on stdio for agents that spawn a command (claude mcp add contextd -- contextd mcp); bridges to the daemon, starting it if needed')
    .addHelpText('after', '\nSet CONTEXTD_NO_AUTOSTART=1 to fail instead of starting the daemon.')
    .action(async () => {
      process.exitCode = await runBridge(MCP_SOCKET, JSON.stringify({ [BRIDGE_HEADER_KEY]: { cwd: process.cwd() } }));
    });
}
