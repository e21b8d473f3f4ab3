/**
 * The invoice API (shared/invoice-api.md) on Hono 4. Every rule lives in the action
 * declarations; this file only wires routes. Nothing here is Node-specific (no Node API, only a
 * type from the kit): the same app runs on Bun, Deno or Workers, and the runtime conformance suite
 * (test/runtimes/server/hono.ts) serves this very factory there; only server.ts picks Node.
 */

import { actiongate } from '@actiongate/hono';
import type { ExampleSetup } from '@actiongate-examples/invoices-kit';
import { Hono } from 'hono';

const notFound = { error: 'not_found', error_description: 'No such invoice' };

export function createApp({ gate, store }: ExampleSetup): Hono {
  // Not strict: `/invoices/` is `/invoices`, as on Express and Koa, so the guard answers there too.
  const app = new Hono({ strict: false });
  const { requireAction, metadata } = actiongate(gate);

  // The guard reads a form or JSON body itself (from a clone), so no body parser runs first.
  app.use(metadata);

  app.get('/health', (c) => c.json({ status: 'ok' }));

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
    if (outcome === 'already') {
      return c.json({ error: 'conflict', error_description: 'The invoice is already refunded' }, 409);
    }
    return c.json({ id, status: 'refunded' });
  });

  return app;
}
