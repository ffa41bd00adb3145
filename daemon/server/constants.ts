/** Socket names inside the socket directory. */
export const CONTROL_SOCKET = 'control.sock';
export const MCP_SOCKET = 'mcp.sock';
export const LSP_SOCKET = 'lsp.sock';

/** First line the `contextd mcp` bridge may send on mcp.sock: `{"contextdBridge":{"cwd":"..."}}`. */
export const BRIDGE_HEADER_KEY = 'contextdBridge';
