/**
 * The contract's embedded demo authorization server, used when `ISSUER` is unset
 * (shared/mcp-invoices.md): authorization code + PKCE, dynamic client registration, resource
 * indicators for this server's URI, refresh tokens, and Alice's second factor for payments:refund.
 * Loaded only then: oidc-provider is the demo's, not a dependency of a configured server.
 */
import {
  DEMO_USERS,
  type InteractiveAuthorizationServer,
  startInteractiveAuthorizationServer,
} from '@actiongate-examples/authorization-server/interactive';
import { mcpInvoiceScopes } from './actions.js';

/** Granted only after the user's second factor, and never carried forward by a refresh. */
export const STEP_UP_SCOPES = ['payments:refund'] as const;

export function startEmbeddedAuthorizationServer(
  audience: string,
  host: string,
  stepUpMaxAge: number,
  options: { readonly refreshTokens?: 'offline_access' | 'always' } = {},
): Promise<InteractiveAuthorizationServer> {
  return startInteractiveAuthorizationServer({
    host,
    resource: audience,
    scopes: mcpInvoiceScopes(stepUpMaxAge),
    stepUpScopes: STEP_UP_SCOPES,
    // The MCP SDK v1 client refreshes instead of re-authorizing on 403 insufficient_scope
    // (typescript-sdk issue 2255): refresh tokens only for clients that ask for offline_access,
    // which v1 never does, keep its step-up working (docs/mcp.md).
    refreshTokens: options.refreshTokens ?? 'offline_access',
  });
}

export function printHint(issuer: string, endpoint: string): void {
  process.stderr.write(
    [
      '',
      `No ISSUER set: the embedded demo authorization server runs at ${issuer}`,
      `MCP clients register themselves there (RFC 7591) and sign in through its pages as ${Object.entries(DEMO_USERS)
        .map(([name, password]) => `${name} / ${password}`)
        .join(' or ')}.`,
      `Connect an MCP client to ${endpoint}; refund_invoice asks for payments:refund, which needs the second factor.`,
      '',
    ].join('\n'),
  );
}
