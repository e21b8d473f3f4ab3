import { createServer, type RequestListener } from 'node:http';
import { runExample } from '@actiongate-examples/invoices-kit';
import { createApp } from './app.js';

await runExample(async (setup) => {
  // The kit owns the listening server; Fastify hands over its request listener through serverFactory.
  let listener: RequestListener | undefined;
  const app = await createApp(setup, (handler) => {
    listener = handler;
    return createServer();
  });
  await app.ready();
  return listener as RequestListener;
});
