/**
 * One benchmark server in its own process, chosen by KIND = `<framework>-<variant>` (apps.ts,
 * frameworks.ts): GET /invoices guarded by the variant, GET /__cpu (this process's CPU time, for
 * CPU per request) and GET /__heap (the heap after a full GC when run with --expose-gc).
 */
import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import { type AppConfig, expressApp, koaApp, VARIANTS, type Variant } from './apps.js';
import { fastifyApp, honoApp } from './frameworks.js';

const { KIND = 'express-bare', JWKS_URI = '', ISSUER = '', AUDIENCE = '' } = process.env;
const config: AppConfig = { issuer: ISSUER, audience: AUDIENCE, jwksUri: JWKS_URI, jwksBase: new URL(JWKS_URI).origin };
const [framework, ...rest] = KIND.split('-');
const variant = rest.join('-') as Variant;
if (!VARIANTS.includes(variant)) throw new Error(`unknown variant in KIND ${KIND}; known: ${VARIANTS.join(', ')}`);

async function listener(): Promise<RequestListener | undefined> {
  switch (framework) {
    case 'express':
      return expressApp(variant, config);
    case 'koa':
      return koaApp(variant, config).callback();
    case 'fastify': {
      const app = await fastifyApp(variant, config);
      // Fastify's own request handling, as app.listen() would attach it to a Node server.
      return app === undefined ? undefined : (req, res) => app.routing(req, res);
    }
    case 'hono': {
      const app = await honoApp(variant, config);
      return app === undefined ? undefined : getRequestListener(app.fetch);
    }
  }
  throw new Error(`unknown framework in KIND ${KIND}`);
}

// A clean exit on SIGTERM, so that --cpu-prof can write its profile.
process.once('SIGTERM', () => process.exit(0));

const handle = await listener();
if (handle === undefined) {
  process.stdout.write('unavailable\n');
  process.exit(0);
}
const server = createServer(handle).listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  process.stdout.write(`listening on http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
});
