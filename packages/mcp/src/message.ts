/**
 * What an MCP POST body asks for, read once from the parsed JSON-RPC message. The guard decides
 * on the body, never on the headers (which only have to agree with it, see headers.ts).
 */

/** JSON-RPC 2.0 §5.1 and MCP's Streamable HTTP transport. */
/** JSON-RPC 2.0 `Parse error`: the body is not JSON. */
export const JSONRPC_PARSE_ERROR = -32700;
/** JSON-RPC 2.0 `Invalid Request`: used for batches, which the guard refuses whole. */
export const JSONRPC_INVALID_REQUEST = -32600;
/** MCP 2026-07-28 (SEP-2243) `HeaderMismatch`. */
export const MCP_HEADER_MISMATCH = -32020;

/** A JSON-RPC id; `null` when the message had none or an unusable one. */
export type RequestId = string | number | null;

/** What a POST body is, as far as the guard cares. */
export type McpMessage =
  /** A request or notification: `method`, and for `tools/call` the tool's name. */
  | { readonly kind: 'method'; readonly method: string; readonly id: RequestId; readonly params: unknown }
  /** A JSON-RPC response the client posts back (to a server request) or anything without a method. */
  | { readonly kind: 'other'; readonly id: RequestId }
  /** A JSON array: a JSON-RPC batch (removed from MCP in 2025-06-18). */
  | { readonly kind: 'batch' };

function requestId(value: unknown): RequestId {
  return typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value)) ? value : null;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Classifies a parsed POST body; never throws, whatever the JSON. */
export function readMessage(body: unknown): McpMessage {
  if (Array.isArray(body)) return { kind: 'batch' };
  if (!isObject(body)) return { kind: 'other', id: null };
  const id = requestId(body.id);
  if (typeof body.method !== 'string') return { kind: 'other', id };
  return { kind: 'method', method: body.method, id, params: body.params };
}

/** The tool a `tools/call` names, or `undefined` when it names none a tool could have. */
export function toolName(message: McpMessage): string | undefined {
  if (message.kind !== 'method' || message.method !== 'tools/call' || !isObject(message.params)) return undefined;
  const name = message.params.name;
  return typeof name === 'string' ? name : undefined;
}

/** The prompt a `prompts/get` names. */
export function promptName(message: McpMessage): string | undefined {
  if (message.kind !== 'method' || message.method !== 'prompts/get' || !isObject(message.params)) return undefined;
  const name = message.params.name;
  return typeof name === 'string' ? name : undefined;
}

/** The resource URI a `resources/read`, `resources/subscribe` or `resources/unsubscribe` names. */
export function resourceUri(message: McpMessage): string | undefined {
  if (message.kind !== 'method' || !isObject(message.params)) return undefined;
  if (!['resources/read', 'resources/subscribe', 'resources/unsubscribe'].includes(message.method)) return undefined;
  const uri = message.params.uri;
  return typeof uri === 'string' ? uri : undefined;
}

/**
 * The body value `Mcp-Name` mirrors (SEP-2243): `params.name` of `tools/call` and
 * `prompts/get`, `params.uri` of the resource methods, `params.taskId` of the task methods.
 * `null`: the method has no such value.
 */
export function nameSource(message: McpMessage & { kind: 'method' }): { value: unknown } | null {
  const params = isObject(message.params) ? message.params : {};
  switch (message.method) {
    case 'tools/call':
    case 'prompts/get':
      return { value: params.name };
    case 'resources/read':
    case 'resources/subscribe':
    case 'resources/unsubscribe':
      return { value: params.uri };
    case 'tasks/get':
    case 'tasks/update':
    case 'tasks/cancel':
      return { value: params.taskId };
    default:
      return null;
  }
}
