import { runExample } from '@actiongate-examples/invoices-kit';
import { createApp } from './app.js';

await runExample((setup) => createApp(setup));
