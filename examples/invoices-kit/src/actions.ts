import { defineActions } from '@actiongate/core';

/**
 * The invoice API's actions, declared once (shared/invoice-api.md, "Routes and actions").
 * Delete and refund carry only their scopes for now; their freshness, binding, user
 * authentication and single-use rules come with the just-in-time guarantees.
 */
export const invoiceActions = defineActions({
  'invoices.list': { scopes: ['invoices:read'] },
  'invoices.read': { scopes: ['invoices:read'] },
  'invoices.export': { anyOf: ['invoices:export', 'invoices:admin'] },
  'invoices.delete': { scopes: ['invoices:write', 'invoices:delete'] },
  'invoices.refund': { scopes: ['payments:refund'] },
});

export type InvoiceAction = (typeof invoiceActions.names)[number];
