/**
 * The in-process profile's child: FRAMEWORK's app with VARIANT in front, COUNT requests injected
 * (no sockets), one token reused. Run under --cpu-prof by profile.ts --inprocess.
 */
import type { RequestListener } from 'node:http';
import inject from 'light-my-request';
import { expressApp, koaApp, type Variant } from './apps.js';
import { fastifyApp, honoApp } from './frameworks.js';

const {
  FRAMEWORK = 'express',
  VARIANT = 'actiongate',
  COUNT = '200000',
  TOKEN = '',
  ISSUER = '',
  JWKS_URI = '',
} = process.env;
const config = {
  issuer: ISSUER,
  audience: 'https://invoices.bench',
  jwksUri: JWKS_URI,
  jwksBase: new URL(JWKS_URI).origin,
};
const authorization = `Bearer ${TOKEN}`;
const variant = VARIANT as Variant;

let send: () => Promise<number>;
if (FRAMEWORK === 'express' || FRAMEWORK === 'koa') {
  const listener: RequestListener =
    FRAMEWORK === 'express' ? expressApp(variant, config) : koaApp(variant, config).callback();
  send = async () =>
    (await inject(listener, { method: 'GET', url: '/invoices', headers: { authorization } })).statusCode;
} else if (FRAMEWORK === 'fastify') {
  const app = await fastifyApp(variant, config);
  if (app === undefined) throw new Error('@actiongate/fastify is not available');
  send = async () => (await app.inject({ method: 'GET', url: '/invoices', headers: { authorization } })).statusCode;
} else {
  const app = await honoApp(variant, config);
  if (app === undefined) throw new Error('@actiongate/hono is not available');
  send = async () => (await app.request('/invoices', { headers: { authorization } })).status;
}
const count = Number(COUNT);
for (let i = 0; i < count; i++) {
  const status = await send();
  if (status !== 200) throw new Error(`answered ${status}`);
  if ((i & 15) === 15) await new Promise(setImmediate);
}
