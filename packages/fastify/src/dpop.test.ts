import { dpopAdapterSuite } from '../../core/test/dpop-adapter.js';
import { createTestApp } from '../test/listener.js';
import { actiongate } from './index.js';

dpopAdapterSuite((gate) => {
  const { app, listener } = createTestApp();
  app.register(actiongate(gate).plugin);
  app.get('/invoices', { config: { action: 'read' } }, async () => ({ ok: true }));
  // The suite wants a listener now; Fastify is ready by the time the first request is served.
  const ready = listener();
  return (req, res) => {
    ready.then(
      (handle) => handle(req, res),
      (error: unknown) => res.destroy(error as Error),
    );
  };
});
