import { getRequestListener } from '@hono/node-server';
import { Hono } from 'hono';
import { dpopAdapterSuite } from '../../core/test/dpop-adapter.js';
import { actiongate } from './index.js';

// DPoP through the adapter on a real Node server (@hono/node-server builds the Web Request):
// every DPoP field reaches the gate, and DPoP-Nonce is written on refusals and allowed answers.
dpopAdapterSuite((gate) => {
  const app = new Hono();
  app.get('/invoices', actiongate(gate).requireAction('read'), (c) => c.json({ ok: true }));
  return getRequestListener(app.fetch);
});
