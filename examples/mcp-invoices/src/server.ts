/**
 * Starts the MCP invoice server (shared/mcp-invoices.md): reads the environment, listens, builds
 * the gate and the MCP guard for the real address, and prints `listening on …`.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGate, type ReplayStore } from '@actiongate/core';
import { createMcpGuard } from '@actiongate/mcp';
import { RedisReplayStore } from '@actiongate/redis';
import { InvoiceStore } from '@actiongate-examples/invoices-kit';
import { BASELINE_SCOPE, INVOICE_TOOLS, mcpInvoiceActions } from './actions.js';
import { createMcpApp } from './app.js';
import { defaultAudience, ExampleConfigError, type McpExampleConfig, readMcpConfig } from './config.js';

/** Key set fetches give up after this long, and the request gets 503 + Retry-After. */
const JWKS_TIMEOUT_MS = 2000;
/** Start-up waits this long at most for Redis's first answer. */
const REDIS_READY_TIMEOUT_MS = 2000;

function fail(message: string): never {
  process.stderr.write(`configuration error: ${message}\n`);
  process.exit(1);
}

function originOf(address: AddressInfo): string {
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}

let config: McpExampleConfig;
try {
  config = readMcpConfig(process.env);
} catch (error) {
  if (error instanceof ExampleConfigError) fail(error.message);
  throw error;
}

const server = createServer();
await new Promise<void>((resolve) => {
  server.once('error', (error) => fail(`cannot listen on ${config.host}:${config.port}: ${error.message}`));
  server.listen(config.port, config.host, resolve);
});
const origin = originOf(server.address() as AddressInfo);
const audience = config.audience ?? defaultAudience(origin);
const demo = config.issuer === undefined ? await import('./embedded-as.js') : undefined;
const embedded = await demo?.startEmbeddedAuthorizationServer(audience, config.host, config.stepUpMaxAge);
const issuer = embedded ?? { issuer: config.issuer as string, jwksUri: config.jwksUri as string };

let redis: RedisReplayStore | undefined;
let listener: ReturnType<typeof createMcpApp>;
try {
  redis =
    config.redisUrl === undefined
      ? undefined
      : new RedisReplayStore({ url: config.redisUrl, readyTimeout: REDIS_READY_TIMEOUT_MS });
  const replayStore: ReplayStore | undefined = redis;
  const gate = createGate({
    actions: mcpInvoiceActions(config.stepUpMaxAge),
    resource: audience,
    realm: 'invoices',
    // Without REDIS_URL, spent refund grants are recorded in this process's memory.
    ...(replayStore === undefined ? {} : { replayStore }),
    issuers: [{ issuer: issuer.issuer, jwksUri: issuer.jwksUri, jwksTimeout: JWKS_TIMEOUT_MS }],
  });
  const guard = createMcpGuard({
    gate,
    connect: 'mcp.connect',
    tools: INVOICE_TOOLS,
    // A client without a challenge asks for the baseline only; tools name what they need.
    scopesSupported: [BASELINE_SCOPE],
  });
  listener = createMcpApp({ guard, store: new InvoiceStore() });
} catch (error) {
  server.close();
  await embedded?.close();
  fail(error instanceof Error ? error.message : String(error));
}
server.on('request', listener);
// Redis or not, requests are answered from now on: until Redis answers, refunds get 503 +
// Retry-After and every other tool is unaffected. (The URL is not printed: it may carry a password.)
if (redis !== undefined && !(await redis.ready())) {
  process.stderr.write(
    `warning: REDIS_URL: no answer from Redis (refused, or silent for ${REDIS_READY_TIMEOUT_MS} ms); refunds answer 503 until it answers\n`,
  );
}
process.stdout.write(`listening on ${origin}\n`);
if (demo !== undefined && embedded !== undefined) demo.printHint(embedded, `${origin}/mcp`);

const stop = () => {
  void embedded?.close();
  void redis?.close();
  server.close(() => process.exit(0));
  server.closeAllConnections();
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
