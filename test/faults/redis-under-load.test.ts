/**
 * Redis killed while refunds are in flight: every request after the kill is refused with 503
 * (never allowed), the server stays up, and service resumes when Redis is back.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type RunningExample, startExample } from '../blackbox/support/example.js';
import { send } from '../blackbox/support/http.js';
import { type JwksServer, startJwksServer } from '../blackbox/support/jwks-server.js';
import { createKeys, ISSUER, MFA, mint, type TestKeys } from '../blackbox/support/keys.js';
import { type RedisServer, startRedis } from '../support/redis-server.js';

const AUDIENCE = 'https://invoices.test';
let redis: RedisServer;
let keys: TestKeys;
let jwks: JwksServer;
let api: RunningExample;

beforeAll(async () => {
  redis = await startRedis();
  keys = await createKeys();
  jwks = await startJwksServer(keys.jwks);
  api = await startExample('express-invoices', { ISSUER, JWKS_URI: jwks.url, AUDIENCE, REDIS_URL: redis.url });
});
afterAll(async () => {
  await api?.stop();
  await jwks?.close();
  await redis?.stop();
});

const refund = async (n: number) => {
  const id = `inv_${1001 + (n % 10)}`;
  const token = await mint(keys, AUDIENCE, {
    claims: {
      scope: 'payments:refund',
      acr: MFA,
      auth_time: Math.floor(Date.now() / 1000),
      authorization_details: [{ type: 'payment_refund', actions: ['refund'], identifier: id }],
    },
  });
  return send(api.url, `/invoices/${id}/refund`, { method: 'POST', headers: [['authorization', `Bearer ${token}`]] });
};

it('fails closed under load when Redis dies, and recovers without a restart', async () => {
  let killed = false;
  const afterKill: number[] = [];
  const beforeKill: number[] = [];
  let n = 0;
  const worker = async () => {
    while (n < 400) {
      const i = n++;
      if (i === 150) {
        await redis.stop();
        killed = true;
      }
      const wasKilled = killed;
      const { status } = await refund(i);
      (wasKilled ? afterKill : beforeKill).push(status);
    }
  };
  await Promise.all(Array.from({ length: 10 }, worker));

  expect(beforeKill.filter((status) => status === 200).length).toBeGreaterThan(0);
  expect(beforeKill.every((status) => [200, 409, 503].includes(status))).toBe(true);
  expect(afterKill.length).toBeGreaterThan(200);
  expect(afterKill.every((status) => status === 503)).toBe(true); // never an allow, never a 500
  expect((await send(api.url, '/health')).status).toBe(200);

  await redis.start();
  let status = 503;
  for (let i = 0; i < 50 && status === 503; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    status = (await refund(i)).status;
  }
  expect([200, 409]).toContain(status);
});
