/**
 * The invoice API (shared/invoice-api.md) on Hono 4 through @actiongate/hono: the hono-invoices
 * example's own app (its runtime-neutral module; only its server.ts picks Node), whose `fetch`
 * each runtime serves.
 */

import type { Gate } from '@actiongate/core';
import { createApp } from '@actiongate-examples/hono-invoices';
import type { InvoiceAction } from '../../../examples/invoices-kit/src/actions.js';
import { InvoiceStore } from '../../../examples/invoices-kit/src/invoices.js';

export function createHonoApp(gate: Gate<InvoiceAction>): (request: Request) => Promise<Response> {
  const app = createApp({ gate, store: new InvoiceStore() });
  return async (request) => app.fetch(request);
}
