/**
 * The 2026-07-28 standard request headers (SEP-2243, "HTTP Standard Headers"): `Mcp-Method`
 * mirrors the body's `method`, `Mcp-Name` its `params.name` / `params.uri` / `params.taskId`,
 * optionally as `=?base64?<canonical base64 of UTF-8>?=`. Servers reject requests whose headers
 * and body disagree with HTTP 400 and JSON-RPC error -32020 (HeaderMismatch); the SDK's
 * `validateStandardRequestHeaders` (@modelcontextprotocol/server 2.4) does the same.
 *
 * Only agreement is checked here, on every request that carries the headers (2025 requests
 * too): a gateway may route or rate-limit on them, so a disagreement is a confused-deputy
 * attempt. Whether a header is required is the MCP server's own rule, answered after the guard.
 */
import { type McpMessage, nameSource } from './message.js';

const BASE64_PREFIX = '=?base64?';
const BASE64_SUFFIX = '?=';
const BASE64_CANONICAL = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** RFC 9110 §5.5: a field value without its surrounding optional whitespace. */
function trimOws(value: string): string {
  return value.replace(/^[ \t]+|[ \t]+$/g, '');
}

/** The decoded `Mcp-Name`, or `undefined` for a sentinel whose payload is not canonical Base64 of UTF-8. */
export function decodeMcpName(value: string): string | undefined {
  if (!(value.startsWith(BASE64_PREFIX) && value.endsWith(BASE64_SUFFIX))) return value;
  const payload = value.slice(BASE64_PREFIX.length, value.length - BASE64_SUFFIX.length);
  if (!BASE64_CANONICAL.test(payload)) return undefined;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(payload, 'base64'));
  } catch {
    return undefined;
  }
}

/** The 2026-07-28 `Mcp-Method` and `Mcp-Name` request headers, as received. */
export interface StandardHeaders {
  /** Every value of the header as received; more than one is a disagreement in itself. */
  readonly mcpMethod?: string | readonly string[] | undefined;
  readonly mcpName?: string | readonly string[] | undefined;
}

/** `mismatch`: the headers disagree with the body (HTTP 400, JSON-RPC -32020). */
export type HeaderCheck = 'agree' | 'mismatch';

function single(value: string | readonly string[] | undefined): string | undefined | null {
  if (value === undefined || typeof value === 'string') return value;
  return value.length === 1 ? (value[0] as string) : null; // null: repeated
}

/**
 * Whether `Mcp-Method` and `Mcp-Name`, where present, equal the body's method and name
 * (`Mcp-Name` compared after decoding). A repeated header, or a name header where the body has
 * no name, is a mismatch.
 */
export function checkStandardHeaders(message: McpMessage, headers: StandardHeaders): HeaderCheck {
  const method = single(headers.mcpMethod);
  const name = single(headers.mcpName);
  if (method === undefined && name === undefined) return 'agree';
  if (method === null || name === null) return 'mismatch';
  // Headers that mirror a body that has no method (a posted response, a batch) mirror nothing.
  if (message.kind !== 'method') return 'mismatch';
  if (method !== undefined && trimOws(method) !== message.method) return 'mismatch';
  if (name === undefined) return 'agree';
  const source = nameSource(message);
  // A conforming client never sends `Mcp-Name` without the body value it mirrors.
  if (source === null || typeof source.value !== 'string') return 'mismatch';
  return decodeMcpName(trimOws(name)) === source.value ? 'agree' : 'mismatch';
}
