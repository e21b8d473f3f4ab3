/**
 * Starts an invoice example: reads the environment, listens, builds the gate for the real
 * address, hands the framework its request listener, and prints `listening on …`.
 */
import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGate, type Gate, type ReplayStore } from '@actiongate/core';
import { RedisReplayStore } from '@actiongate/redis';
import { defineInvoiceActions, type InvoiceAction } from './actions.js';
import { type ExampleConfig, ExampleConfigError, readConfig } from './config.js';
import { InvoiceStore } from './invoices.js';

export interface ExampleSetup {
  readonly gate: Gate<InvoiceAction>;
  readonly store: InvoiceStore;
}

export type ListenerFactory = (setup: ExampleSetup) => RequestListener | Promise<RequestListener>;

/** Key set fetches give up after this long, and the request gets 503 + Retry-After. */
const JWKS_TIMEOUT_MS = 2000;
/** Seconds an active introspection answer is reused. */
const INTROSPECTION_CACHE_TTL_S = 10;
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

function buildGate(
  audience: string,
  issuer: { readonly issuer: string; readonly jwksUri: string },
  replayStore: ReplayStore | undefined,
  config: ExampleConfig,
): Gate<InvoiceAction> {
  return createGate({
    actions: defineInvoiceActions({ refundRequiresDpop: config.refundRequiresDpop }),
    // RFC 9449: htu is matched against AUDIENCE's origin (the default); proof jtis go to the replay store.
    ...(config.acceptDpop ? { dpop: { nonce: config.dpopNonce } } : {}),
    resource: audience,
    realm: 'invoices',
    // Without REDIS_URL, single-use token ids are recorded in this process's memory.
    ...(replayStore === undefined ? {} : { replayStore }),
    issuers: [
      {
        issuer: issuer.issuer,
        jwksUri: issuer.jwksUri,
        jwksTimeout: JWKS_TIMEOUT_MS,
        // RFC 7662 with client_secret_basic; answers are kept 10 s (a token revoked at the
        // authorization server is refused within that, well inside the contract's 60 s) and an
        // inactive one 5 s.
        ...(config.introspection === undefined
          ? {}
          : {
              introspection: {
                ...config.introspection,
                timeout: JWKS_TIMEOUT_MS,
                cacheTtl: INTROSPECTION_CACHE_TTL_S,
                negativeCacheTtl: 5,
              },
            }),
      },
    ],
  });
}

export async function runExample(createListener: ListenerFactory): Promise<void> {
  let config: ExampleConfig;
  try {
    config = readConfig(process.env);
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
  const audience = config.audience ?? origin;
  // Loaded only when needed: oidc-provider is the demo's, not a dependency of a configured server.
  const demo = config.issuer === undefined ? await import('./embedded-as.js') : undefined;
  const embedded = await demo?.startEmbeddedAuthorizationServer(audience, config.host);
  const issuer = embedded ?? { issuer: config.issuer as string, jwksUri: config.jwksUri as string };

  let gate: Gate<InvoiceAction>;
  let redis: RedisReplayStore | undefined;
  try {
    redis =
      config.redisUrl === undefined
        ? undefined
        : new RedisReplayStore({ url: config.redisUrl, readyTimeout: REDIS_READY_TIMEOUT_MS });
    gate = buildGate(audience, issuer, redis, config);
  } catch (error) {
    server.close();
    fail(error instanceof Error ? error.message : String(error));
  }
  // Requests are answered from now on, Redis or not: until Redis answers, single-use routes
  // get 503 + Retry-After at once and every other route is unaffected.
  server.on('request', await createListener({ gate, store: new InvoiceStore() }));
  // The first connection is awaited at most REDIS_READY_TIMEOUT_MS, so that a quick start
  // has Redis ready, while a Redis that is down, or accepts and never answers, cannot hold the
  // server back. (The URL is not printed: it may carry a password.)
  if (redis !== undefined && !(await redis.ready())) {
    process.stderr.write(
      `warning: REDIS_URL: no answer from Redis (refused, or silent for ${REDIS_READY_TIMEOUT_MS} ms); single-use routes answer 503 until it answers\n`,
    );
  }
  process.stdout.write(`listening on ${origin}\n`);
  if (demo !== undefined && embedded !== undefined) await demo.printHint(embedded, origin, audience);

  const stop = () => {
    void embedded?.close();
    server.close(() => process.exit(0));
    server.closeIdleConnections();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
