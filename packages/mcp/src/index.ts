export { actionAuth, type McpAuthInfo, toMcpAuthInfo } from './auth-info.js';
export {
  createMcpGuard,
  type JsonRpcErrorBody,
  type McpAllow,
  type McpDecision,
  type McpGuard,
  type McpRefusal,
  type McpRefusalReason,
  type McpRequest,
  type ScopeChallengeHook,
} from './guard.js';
export { checkStandardHeaders, decodeMcpName, type HeaderCheck, type StandardHeaders } from './headers.js';
export {
  JSONRPC_INVALID_REQUEST,
  JSONRPC_PARSE_ERROR,
  MCP_HEADER_MISMATCH,
  type McpMessage,
  type RequestId,
  readMessage,
  toolName,
} from './message.js';
export {
  type GuardedRequest,
  mcpHandler,
  mcpMiddleware,
  metadataMiddleware,
  sendMcpRefusal,
  serveMetadata,
} from './node.js';
export type { McpGuardOptions } from './options.js';
