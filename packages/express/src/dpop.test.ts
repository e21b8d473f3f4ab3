import express from 'express';
import { dpopAdapterSuite } from '../../core/test/dpop-adapter.js';
import { actiongate } from './index.js';

dpopAdapterSuite((gate) => {
  const app = express();
  app.get('/invoices', actiongate(gate).requireAction('read'), (_req, res) => {
    res.json({ ok: true });
  });
  return app;
});
