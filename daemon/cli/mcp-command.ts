import type { Command } from 'commander';
import { runMcpBridge } from './mcp-bridge.js';

export function registerMcpCommand(program: Command): void {
  program
    .command('mcp')
    .description('MCP server on stdio for agents that spawn a command (claude mcp add contextd -- contextd mcp); bridges to the daemon, starting it if needed')
    .addHelpText(
      'after',
      '\nSet CONTEXTD_NO_AUTOSTART=1 to fail instead of starting the daemon.' +
        '\nIf the daemon stops mid-session, pending calls fail at once and the bridge redials for CONTEXTD_BRIDGE_RECONNECT_MS (default 10000) before exiting 1.',
    )
    .action(async () => {
      process.exitCode = await runMcpBridge({ cwd: process.cwd() });
    });
}
