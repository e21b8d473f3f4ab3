/**
 * The in-process profile's child: FRAMEWORK's app with VARIANT in front, COUNT requests injected
 * (no sockets), one token reused, profiled through the inspector after a warm-up (profile.ts --inprocess).
 */
import { writeFileSync } from 'node:fs';
import type { RequestListener } from 'node:http';
import { Session } from 'node:inspector';
import { join } from 'node:path';
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
  PROFILE_DIR = '.',
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
async function run(count: number) {
  for (let i = 0; i < count; i++) {
    const status = await send();
    if (status !== 200) throw new Error(`answered ${status}`);
    if ((i & 15) === 15) await new Promise(setImmediate);
  }
}

// Warm up unprofiled (module loading, JIT, the key set), then profile the steady state only.
await run(5000);
const session = new Session();
session.connect();
const post = (method: string, params?: object) =>
  new Promise<unknown>((resolve, reject) =>
    session.post(method, params, (error, result) => (error ? reject(error) : resolve(result))),
  );
await post('Profiler.enable');
await post('Profiler.setSamplingInterval', { interval: 100 });
await post('Profiler.start');
await run(Number(COUNT));
const { profile } = (await post('Profiler.stop')) as { profile: unknown };
writeFileSync(join(PROFILE_DIR, 'inject.cpuprofile'), JSON.stringify(profile));
session.disconnect();
