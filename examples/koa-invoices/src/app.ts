/**
 * The invoice API (shared/invoice-api.md) on Koa 3. Every rule lives in the action
 * declarations; this file only wires routes.
 */

import { actiongate } from '@actiongate/koa';
import type { ExampleSetup } from '@actiongate-examples/invoices-kit';
import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import Koa from 'koa';

const notFound = { error: 'not_found', error_description: 'No such invoice' };

export function createApp({ gate, store }: ExampleSetup): Koa {
  const app = new Koa();
  const router = new Router();
  const { requireAction, metadata } = actiongate(gate);

  router.get('/health', (ctx) => {
    ctx.body = { status: 'ok' };
  });

  router.get('/invoices', requireAction('invoices.list'), (ctx) => {
    ctx.body = { invoices: store.list() };
  });

  router.post('/invoices/export', requireAction('invoices.export'), (ctx) => {
    ctx.status = 202;
    ctx.body = { export_id: `exp_${crypto.randomUUID()}` };
  });

  router.get('/invoices/:id', requireAction('invoices.read'), (ctx) => {
    const invoice = store.get(ctx.params.id as string);
    if (invoice === undefined) {
      ctx.status = 404;
      ctx.body = notFound;
    } else ctx.body = invoice;
  });

  router.delete('/invoices/:id', requireAction('invoices.delete'), (ctx) => {
    if (store.delete(ctx.params.id as string)) ctx.status = 204;
    else {
      ctx.status = 404;
      ctx.body = notFound;
    }
  });

  router.post('/invoices/:id/refund', requireAction('invoices.refund'), (ctx) => {
    const id = ctx.params.id as string;
    const outcome = store.refund(id);
    if (outcome === undefined) {
      ctx.status = 404;
      ctx.body = notFound;
    } else if (outcome === 'already') {
      ctx.status = 409;
      ctx.body = { error: 'conflict', error_description: 'The invoice is already refunded' };
    } else ctx.body = { id, status: 'refunded' };
  });

  // A body that does not parse is left out, so the guard still answers first (its 400 is a challenge).
  // Bodies are parsed whatever the method, as Express does: an access_token in the body of a
  // GET or DELETE is refused (400) like any other, never silently ignored.
  app.use(
    bodyParser({ onError: () => {}, parsedMethods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] }),
  );
  app.use(metadata);
  app.use(router.routes());
  app.use(router.allowedMethods());
  return app;
}
