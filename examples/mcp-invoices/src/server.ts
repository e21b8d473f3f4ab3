/**
 * `pnpm start`: the MCP invoice server from the environment (shared/mcp-invoices.md, "Start").
 * A configuration mistake exits non-zero, naming the variable, before anything listens.
 */
import { ExampleConfigError, type McpExampleConfig, readMcpConfig } from './config.js';
import { REDIS_READY_TIMEOUT_MS, type RunningMcpInvoices, runMcpInvoices } from './run.js';

function fail(message: string): never {
  process.stderr.write(`configuration error: ${message}\n`);
  process.exit(1);
}

let config: McpExampleConfig;
try {
  config = readMcpConfig(process.env);
} catch (error) {
  if (error instanceof ExampleConfigError) fail(error.message);
  throw error;
}

let running: RunningMcpInvoices;
try {
  running = await runMcpInvoices(config);
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
}
if (!running.redisReady) {
  // (The URL is not printed: it may carry a password.)
  process.stderr.write(
    `warning: REDIS_URL: no answer from Redis (refused, or silent for ${REDIS_READY_TIMEOUT_MS} ms); refunds answer 503 until it answers\n`,
  );
}
process.stdout.write(`listening on ${running.origin}\n`);
if (running.embedded) {
  const { printHint } = await import('./embedded-as.js');
  printHint(running.issuer, running.endpoint);
}

const stop = () => {
  running.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
