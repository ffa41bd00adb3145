/** Socket names inside the socket directory. */
export const CONTROL_SOCKET = 'control.sock';
export const MCP_SOCKET = 'mcp.sock';
export const LSP_SOCKET = 'lsp.sock';
