import { runExample } from '@actiongate-examples/invoices-kit';
import { getRequestListener } from '@hono/node-server';
import { createApp } from './app.js';

// On Node through @hono/node-server: it builds a Web Request from each Node request, keeping
// every repeated header (joined by `Headers`, which the guard refuses as a repeat).
await runExample((setup) => getRequestListener(createApp(setup).fetch));
