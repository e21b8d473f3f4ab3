/**
 * Starts the MCP invoice server in this process: listens, builds the gate and the MCP guard for
 * the real address (embedding the demo authorization server when no issuer is configured), and
 * answers requests. `server.ts` runs it from the environment; tests and the demo call it directly.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGate, type ReplayStore } from '@actiongate/core';
import { createMcpGuard } from '@actiongate/mcp';
import { RedisReplayStore } from '@actiongate/redis';
import { InvoiceStore } from '@actiongate-examples/invoices-kit';
import { BASELINE_SCOPE, INVOICE_TOOLS, mcpInvoiceActions } from './actions.js';
import { createMcpApp } from './app.js';
import { defaultAudience, type McpExampleConfig } from './config.js';

/** Key set fetches give up after this long, and the request gets 503 + Retry-After. */
const JWKS_TIMEOUT_MS = 2000;
/** Start-up waits this long at most for Redis's first answer. */
const REDIS_READY_TIMEOUT_MS = 2000;

export interface RunningMcpInvoices {
  /** `http://HOST:PORT` as bound. */
  readonly origin: string;
  /** The MCP endpoint, `origin` + `/mcp`. */
  readonly endpoint: string;
  /** The canonical server URI tokens must name (`AUDIENCE`). */
  readonly audience: string;
  readonly issuer: string;
  /** Set when the embedded demo authorization server runs. */
  readonly embedded: boolean;
  /** `false` when Redis did not answer within the start-up wait (refunds answer 503 until it does). */
  readonly redisReady: boolean;
  close(): Promise<void>;
}

export interface RunOptions {
  /** The embedded demo authorization server's refresh token rule (tests prove the SDK v1 limit with `'always'`). */
  readonly refreshTokens?: 'offline_access' | 'always';
}

function originOf(address: AddressInfo): string {
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}

async function listen(server: Server, port: number, host: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

export async function runMcpInvoices(config: McpExampleConfig, options: RunOptions = {}): Promise<RunningMcpInvoices> {
  const server = createServer();
  try {
    await listen(server, config.port, config.host);
  } catch (error) {
    throw new Error(`cannot listen on ${config.host}:${config.port}: ${(error as Error).message}`);
  }
  const origin = originOf(server.address() as AddressInfo);
  const audience = config.audience ?? defaultAudience(origin);
  // Loaded only when needed: oidc-provider is the demo's, not a dependency of a configured server.
  const demo = config.issuer === undefined ? await import('./embedded-as.js') : undefined;
  const embedded = await demo?.startEmbeddedAuthorizationServer(audience, config.host, config.stepUpMaxAge, options);
  const issuer = embedded ?? { issuer: config.issuer as string, jwksUri: config.jwksUri as string };

  let redis: RedisReplayStore | undefined;
  const closeAll = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await embedded?.close();
    await redis?.close();
  };
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
    server.on('request', createMcpApp({ guard, store: new InvoiceStore() }));
  } catch (error) {
    await closeAll();
    throw error;
  }
  // Redis or not, requests are answered from now on: until Redis answers, refunds get 503 +
  // Retry-After and every other tool is unaffected.
  const redisReady = redis === undefined ? true : await redis.ready();
  return {
    origin,
    endpoint: `${origin}/mcp`,
    audience,
    issuer: issuer.issuer,
    embedded: embedded !== undefined,
    redisReady,
    close: closeAll,
  };
}

export { REDIS_READY_TIMEOUT_MS };
