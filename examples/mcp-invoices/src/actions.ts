/**
 * The MCP invoice server's actions (shared/mcp-invoices.md, "What each request needs"), declared
 * once, and the tools that map to them.
 */
import { defineActions } from '@actiongate/core';
import { MFA } from '@actiongate-examples/invoices-kit';

export { MFA } from '@actiongate-examples/invoices-kit';

/** The baseline every MCP request needs; the only scope the metadata advertises. */
export const BASELINE_SCOPE = 'invoices:read';

export function mcpInvoiceActions(stepUpMaxAge: number) {
  return defineActions({
    'mcp.connect': { scopes: [BASELINE_SCOPE] },
    'invoices.list': { scopes: ['invoices:read'] },
    'invoices.read': { scopes: ['invoices:read'] },
    'invoices.export': { anyOf: ['invoices:export', 'invoices:admin'] },
    'invoices.delete': { scopes: ['invoices:write', 'invoices:delete'], maxTokenAge: 300 },
    'invoices.refund': {
      scopes: ['payments:refund'],
      // RFC 9470: the authorization server grants payments:refund only after a strong, recent
      // authentication; the token must show it. MCP clients cannot request RFC 9396 details,
      // so there is no binding to the invoice and no iat limit: the grant's single use bounds it.
      userAuthentication: { acrValues: [MFA], maxAge: stepUpMaxAge },
      // One refund per token; the same token keeps working for every other tool.
      singleUse: 'per-action',
    },
  });
}

export type McpInvoiceAction = ReturnType<typeof mcpInvoiceActions>['names'][number];

/** Tool name → action. */
export const INVOICE_TOOLS = {
  list_invoices: 'invoices.list',
  get_invoice: 'invoices.read',
  export_invoices: 'invoices.export',
  delete_invoice: 'invoices.delete',
  refund_invoice: 'invoices.refund',
} as const satisfies Record<string, McpInvoiceAction>;

/** Every scope the actions use: what the authorization server registers for this resource. */
export function mcpInvoiceScopes(stepUpMaxAge = 600): readonly string[] {
  const actions = mcpInvoiceActions(stepUpMaxAge);
  return [...new Set(actions.names.flatMap((name) => actions.get(name).scopesUsed))];
}
