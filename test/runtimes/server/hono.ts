/**
 * The invoice API (shared/invoice-api.md) on Hono 4 through @actiongate/hono: the same routes as
 * app.ts, as a Hono app whose `fetch` each runtime serves.
 */

import type { Gate } from '@actiongate/core';
import { actiongate } from '@actiongate/hono';
import { Hono } from 'hono';
import type { InvoiceAction } from '../../../examples/invoices-kit/src/actions.js';
import { InvoiceStore } from '../../../examples/invoices-kit/src/invoices.js';

const notFound = { error: 'not_found', error_description: 'No such invoice' };

export function createHonoApp(gate: Gate<InvoiceAction>): (request: Request) => Promise<Response> {
  const store = new InvoiceStore();
  const { requireAction, metadata } = actiongate(gate);
  const app = new Hono();
  app.get('/health', (c) => c.json({ status: 'ok' }));
  app.use(metadata);
  app.get('/invoices', requireAction('invoices.list'), (c) => c.json({ invoices: store.list() }));
  app.post('/invoices/export', requireAction('invoices.export'), (c) =>
    c.json({ export_id: `exp_${crypto.randomUUID()}` }, 202),
  );
  app.get('/invoices/:id', requireAction('invoices.read'), (c) => {
    const invoice = store.get(c.req.param('id'));
    return invoice === undefined ? c.json(notFound, 404) : c.json(invoice);
  });
  app.delete('/invoices/:id', requireAction('invoices.delete'), (c) =>
    store.delete(c.req.param('id')) ? c.body(null, 204) : c.json(notFound, 404),
  );
  app.post('/invoices/:id/refund', requireAction('invoices.refund'), (c) => {
    const id = c.req.param('id');
    const outcome = store.refund(id);
    if (outcome === undefined) return c.json(notFound, 404);
    if (outcome === 'already')
      return c.json({ error: 'conflict', error_description: 'The invoice is already refunded' }, 409);
    return c.json({ id, status: 'refunded' });
  });
  app.notFound((c) => c.json({ error: 'not_found', error_description: 'No such route' }, 404));
  return async (request) => app.fetch(request);
}
