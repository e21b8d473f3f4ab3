import { defineActions } from '@actiongate/core';

/** RFC 9470 `acr` of a strong (multi-factor) authentication, as the demo authorization server issues it. */
export const MFA = 'urn:actiongate:mfa';

/**
 * The invoice API's actions, declared once (shared/invoice-api.md, "Routes and actions");
 * `refundRequiresDpop`: a refund accepts only DPoP-bound tokens ("Sender-constrained and opaque tokens");
 * `introspectRefund`: a refund's JWT is introspected too (beyond the contract, for `pnpm demo`).
 */
export function defineInvoiceActions(
  options: { readonly refundRequiresDpop?: boolean; readonly introspectRefund?: boolean } = {},
) {
  return defineActions({
    'invoices.list': { scopes: ['invoices:read'] },
    'invoices.read': { scopes: ['invoices:read'] },
    'invoices.export': { anyOf: ['invoices:export', 'invoices:admin'] },
    'invoices.delete': { scopes: ['invoices:write', 'invoices:delete'], maxTokenAge: 300 },
    'invoices.refund': {
      scopes: ['payments:refund'],
      // RFC 9396: the approval is for this one invoice.
      authorizationDetails: ({ params }) => ({
        type: 'payment_refund',
        actions: ['refund'],
        identifier: String(params.id),
      }),
      userAuthentication: { acrValues: [MFA], maxAge: 600 },
      maxTokenAge: 300,
      singleUse: true,
      // RFC 9449: only a token bound to the client's key, with a proof of that key, may refund.
      ...(options.refundRequiresDpop === true ? { requireDpop: true } : {}),
      // RFC 7662: the refund's JWT is also checked at the authorization server, so a token it
      // revoked (RFC 7009) is refused here (the examples' extension INTROSPECT_REFUND).
      ...(options.introspectRefund === true ? { introspect: true } : {}),
    },
  });
}

/** The invoice API's actions as the contract's base section has them. */
export const invoiceActions = defineInvoiceActions();

export type InvoiceAction = (typeof invoiceActions.names)[number];

/** Every scope the invoice API's actions use: what an authorization server registers for it. */
export const invoiceScopes: readonly string[] = [
  ...new Set(invoiceActions.names.flatMap((name) => invoiceActions.get(name).scopesUsed)),
];
