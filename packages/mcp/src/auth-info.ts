/**
 * What an allowed MCP request hands to the MCP server: the SDK's `AuthInfo` shape (the same in
 * `@modelcontextprotocol/sdk` 1.x and `@modelcontextprotocol/server` 2.x), which both SDKs read
 * from `req.auth` and pass to tool handlers (`extra.authInfo` in v1, `ctx.http.authInfo` in v2),
 * with actiongate's decision under `extra.actiongate`.
 */
import type { AuthInfo } from '@actiongate/core';

/** The SDK's `AuthInfo` for an allowed request, with actiongate's decision under `extra.actiongate`. */
export interface McpAuthInfo<N extends string = string> {
  /** The access token, as the SDK types it. */
  readonly token: string;
  /** RFC 9068 `client_id`. */
  readonly clientId: string;
  readonly scopes: string[];
  /** The token's `exp`, seconds since the epoch. */
  readonly expiresAt: number;
  /** RFC 8707: this server's resource identifier. */
  readonly resource: URL;
  readonly extra: {
    /** The action that was allowed (the tool's, or the connect action) and the verified claims. */
    readonly actiongate: AuthInfo<N>;
  };
}

/**
 * Builds the SDK `AuthInfo` of an allowed request. `clientId` is `''` when the token names no
 * client (the SDK's type requires a string); the token itself is passed on because the SDK's
 * shape carries it, never logged here.
 */
export function toMcpAuthInfo<N extends string>(token: string, auth: AuthInfo<N>, resource: URL): McpAuthInfo<N> {
  const clientId = auth.claims.client_id;
  return {
    token,
    clientId: typeof clientId === 'string' ? clientId : '',
    scopes: [...auth.scopes],
    expiresAt: auth.claims.exp,
    resource: new URL(resource.href),
    extra: { actiongate: auth },
  };
}

/**
 * The actiongate decision behind an SDK `authInfo`, for tool handlers: `undefined` when the
 * request did not pass the guard (the handler should then refuse to act).
 */
export function actionAuth<N extends string = string>(
  authInfo: { readonly extra?: Record<string, unknown> | undefined } | undefined,
): AuthInfo<N> | undefined {
  const candidate = authInfo?.extra?.actiongate as AuthInfo<N> | undefined;
  return candidate !== undefined && typeof candidate === 'object' && typeof candidate.action === 'string'
    ? candidate
    : undefined;
}
