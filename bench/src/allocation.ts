/**
 * node --expose-gc --max-semi-space-size=128 --import tsx bench/src/allocation.ts [--only express,koa,…]
 *
 * Bytes allocated per request by each in-process variant (inject.ts, allocatedPerRequest): in a
 * process of its own, whose young generation (128 MiB semi-spaces) holds a batch of 1,000
 * requests without a collection, so that a large buffer the driver allocates now and then is
 * spread over many requests. Prints JSON: { framework: { variant: bytes } }. Run by inprocess.ts.
 */
import { parseArgs } from 'node:util';
import type { AppConfig, Variant } from './apps.js';
import { allocatedPerRequest, batch, sender } from './inject.js';
import { ISSUER, startIssuer } from './tokens.js';

const { values: args } = parseArgs({ options: { only: { type: 'string' } } });
const FRAMEWORKS = (args.only ?? 'express,koa,fastify,hono').split(',');
const VARIANTS: readonly Variant[] = ['bare', 'noop-sync', 'noop-shape', 'noop', 'noop-facts', 'actiongate'];
const AUDIENCE = 'https://invoices.bench';

const issuer = await startIssuer();
try {
  const config: AppConfig = {
    issuer: ISSUER,
    audience: AUDIENCE,
    jwksUri: issuer.jwksUri,
    jwksBase: new URL(issuer.jwksUri).origin,
  };
  const token = `Bearer ${await issuer.mint(AUDIENCE)}`;
  const result: Record<string, Record<string, number>> = {};
  for (const framework of FRAMEWORKS) {
    const bytes: Record<string, number> = {};
    for (const variant of VARIANTS) {
      const send = await sender(framework, variant, config);
      if (send === undefined) continue;
      await batch(send, [token], 20_000); // JIT (to a steady state), the key set, the token cache
      const allocated = await allocatedPerRequest(send, token);
      if (allocated !== undefined) bytes[variant] = allocated;
    }
    result[framework] = bytes;
  }
  process.stdout.write(`${JSON.stringify(result)}\n`);
} finally {
  issuer.close();
}
