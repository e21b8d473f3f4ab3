/**
 * Alice and her MCP host, for the end-to-end tests and `pnpm demo:mcp`: the real MCP SDK clients
 * (v2 `@modelcontextprotocol/client`, v1 `@modelcontextprotocol/sdk`) with an OAuth client
 * provider that sends Alice through the demo authorization server's pages over plain HTTP.
 */
export { Alice, type AuthorizationRequestView, type Decision } from './alice.js';
export { AuthorizationDeniedError, type ToolResult } from './connection.js';
export { McpHost, type McpHostOptions, type TokenView } from './host.js';
export {
  type AuthorizationRecord,
  Ledger,
  type LedgerMark,
  type McpRequestRecord,
  type TokenRequestRecord,
} from './ledger.js';
