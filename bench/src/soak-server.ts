/**
 * The Express invoice example, as `pnpm start` runs it, plus `/__soak`: event-loop delay
 * percentiles and the heap after a full GC, for the soak run.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createApp } from '@actiongate-examples/express-invoices';
import { runExample } from '@actiongate-examples/invoices-kit';

const delay = monitorEventLoopDelay({ resolution: 10 });
delay.enable();

await runExample((setup) => {
  const app = createApp(setup);
  return (req, res) => {
    if (req.url !== '/__soak') return app(req, res);
    (globalThis as { gc?: () => void }).gc?.();
    const stats = {
      heapUsed: process.memoryUsage().heapUsed,
      p50: delay.percentile(50) / 1e6,
      p99: delay.percentile(99) / 1e6,
      max: delay.max / 1e6,
    };
    if (req.method === 'DELETE') delay.reset();
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(stats));
  };
});
