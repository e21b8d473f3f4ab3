/**
 * A Redis that accepts connections and never answers (a hung server, a black hole in between):
 * the example still starts within a few seconds (it warns, naming REDIS_URL), /health and routes
 * without single use answer at once, and single-use routes answer 503 + Retry-After within the
 * replay timeout. Nothing hangs. Against a healthy Redis the same start-up is the baseline.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type RunningExample, startExample } from '../blackbox/support/example.js';
import { bearer, send } from '../blackbox/support/http.js';
import { type JwksServer, startJwksServer } from '../blackbox/support/jwks-server.js';
import { createKeys, ISSUER, MFA, mint, type TestKeys } from '../blackbox/support/keys.js';
import { type RedisServer, type SilentServer, startRedis, startSilentServer } from '../support/redis-server.js';

const AUDIENCE = 'https://invoices.test';
let keys: TestKeys;
let jwks: JwksServer;
let silent: SilentServer;
let healthy: RedisServer;
const examples: RunningExample[] = [];

beforeAll(async () => {
  keys = await createKeys();
  jwks = await startJwksServer(keys.jwks);
  silent = await startSilentServer();
  healthy = await startRedis();
});
afterAll(async () => {
  await Promise.all(examples.map((example) => example.stop()));
  await jwks?.close();
  await silent?.close();
  await healthy?.stop();
});

async function timedStart(redisUrl: string): Promise<{ api: RunningExample; startedIn: number }> {
  const started = Date.now();
  const api = await startExample('express-invoices', { ISSUER, JWKS_URI: jwks.url, AUDIENCE, REDIS_URL: redisUrl });
  examples.push(api);
  return { api, startedIn: Date.now() - started };
}

const refund = async (api: RunningExample, id: string) => {
  const token = await mint(keys, AUDIENCE, {
    claims: {
      scope: 'payments:refund',
      acr: MFA,
      auth_time: Math.floor(Date.now() / 1000),
      authorization_details: [{ type: 'payment_refund', actions: ['refund'], identifier: id }],
    },
  });
  return send(api.url, `/invoices/${id}/refund`, { method: 'POST', headers: bearer(token), timeoutMs: 10_000 });
};

it('starts within a few seconds, warns naming REDIS_URL, and answers every route without hanging', async () => {
  const { startedIn: baseline } = await timedStart(healthy.url);
  const { api, startedIn } = await timedStart(silent.url);
  expect(silent.accepted()).toBeGreaterThanOrEqual(1); // it did connect: accepted, never answered
  // The 2 s ready timeout on top of a normal start; the bound is generous for a loaded machine.
  expect(startedIn).toBeLessThan(baseline + 10_000);
  expect(api.stderr()).toMatch(/REDIS_URL: no answer from Redis \(refused, or silent for 2000 ms\)/);
  expect(api.stderr()).not.toContain(silent.url); // a URL may carry a password: never printed

  let started = Date.now();
  expect((await send(api.url, '/health', { timeoutMs: 5000 })).status).toBe(200);
  const read = await mint(keys, AUDIENCE, { claims: { scope: 'invoices:read' } });
  expect((await send(api.url, '/invoices', { headers: bearer(read), timeoutMs: 5000 })).status).toBe(200);
  expect(Date.now() - started).toBeLessThan(2000);

  started = Date.now();
  const replies = await Promise.all(Array.from({ length: 20 }, (_, i) => refund(api, `inv_${1001 + (i % 10)}`)));
  expect(replies.map((reply) => reply.status)).toEqual(Array(20).fill(503));
  for (const reply of replies) expect(reply.headers['retry-after']).toMatch(/^\d+$/);
  expect(Date.now() - started).toBeLessThan(3000);
  expect((await send(api.url, '/health', { timeoutMs: 5000 })).status).toBe(200);
}, 90_000);
