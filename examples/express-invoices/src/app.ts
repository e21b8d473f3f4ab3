/**
 * The invoice API (shared/invoice-api.md) on Express 5. Every rule lives in the action
 * declarations; this file only wires routes.
 */

import { actiongate } from '@actiongate/express';
import type { ExampleSetup } from '@actiongate-examples/invoices-kit';
import express, { type ErrorRequestHandler, type RequestHandler } from 'express';

const notFound = { error: 'not_found', error_description: 'No such invoice' };

/** A body that does not parse is left out, so the guard still answers first (its 400 is a challenge). */
const tolerateBadBody: ErrorRequestHandler = (error, req, _res, next) => {
  if ((error as { type?: string }).type === 'entity.parse.failed') {
    req.body = undefined;
    return next();
  }
  next(error);
};

export function createApp({ gate, store }: ExampleSetup): express.Express {
  const app = express();
  const { requireAction, metadata } = actiongate(gate);
  app.disable('x-powered-by');
  app.use(express.urlencoded({ extended: false }), express.json(), tolerateBadBody);

  app.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.use(metadata);

  app.get('/invoices', requireAction('invoices.list'), (_req, res) => {
    res.json({ invoices: store.list() });
  });

  app.post('/invoices/export', requireAction('invoices.export'), (_req, res) => {
    res.status(202).json({ export_id: `exp_${crypto.randomUUID()}` });
  });

  app.get('/invoices/:id', requireAction('invoices.read'), (req, res) => {
    const invoice = store.get(req.params.id as string);
    if (invoice === undefined) res.status(404).json(notFound);
    else res.json(invoice);
  });

  app.delete('/invoices/:id', requireAction('invoices.delete'), (req, res) => {
    if (store.delete(req.params.id as string)) res.status(204).end();
    else res.status(404).json(notFound);
  });

  const refund: RequestHandler = (req, res) => {
    const id = req.params.id as string;
    const outcome = store.refund(id);
    if (outcome === undefined) res.status(404).json(notFound);
    else if (outcome === 'already')
      res.status(409).json({ error: 'conflict', error_description: 'The invoice is already refunded' });
    else res.json({ id, status: 'refunded' });
  };
  app.post('/invoices/:id/refund', requireAction('invoices.refund'), refund);

  return app;
}
