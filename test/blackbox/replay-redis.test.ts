/**
 * Single use across a fleet: with REDIS_URL the four invoice examples (Express, Koa, Fastify,
 * Hono) record jtis in one real redis-server. A token used on one instance is a replay on every
 * other; 50 simultaneous uses across the four processes let exactly one through; Redis down means 503, never an allow, and
 * service resumes when it is back, without a restart. Redis answering late (CLIENT PAUSE) means
 * 503 within the replay timeout, and the token is not burnt: the retry after Retry-After works.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pauseRedis, type RedisServer, startRedis } from '../support/redis-server.js';
import { EXAMPLES, type RunningExample, startExample } from './support/example.js';
import { bearer, send } from './support/http.js';
import { type JwksServer, startJwksServer } from './support/jwks-server.js';
import { createKeys, ISSUER, MFA, mint, type TestKeys } from './support/keys.js';

const AUDIENCE = 'https://invoices.test';
let redis: RedisServer;
let keys: TestKeys;
let jwks: JwksServer;
let express: RunningExample;
let koa: RunningExample;
let fleet: RunningExample[] = [];

const refundToken = (id: string) =>
  mint(keys, AUDIENCE, {
    claims: {
      scope: 'payments:refund',
      acr: MFA,
      auth_time: Math.floor(Date.now() / 1000),
      authorization_details: [{ type: 'payment_refund', actions: ['refund'], identifier: id }],
    },
  });
const refund = (example: RunningExample, id: string, token: string) =>
  send(example.url, `/invoices/${id}/refund`, { method: 'POST', headers: bearer(token) });

async function eventually(attempt: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await attempt()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`not within ${timeoutMs} ms`);
}

beforeAll(async () => {
  redis = await startRedis();
  keys = await createKeys();
  jwks = await startJwksServer(keys.jwks);
  const env = { ISSUER, JWKS_URI: jwks.url, AUDIENCE, REDIS_URL: redis.url };
  fleet = await Promise.all(EXAMPLES.map((name) => startExample(name, env)));
  [express, koa] = fleet as [RunningExample, RunningExample];
});

afterAll(async () => {
  await Promise.all(fleet.map((example) => example.stop()));
  await jwks?.close();
  await redis?.stop();
});

describe('single use on Redis, shared by the four examples', () => {
  it('a token used on one example is a replay on every other', async () => {
    const token = await refundToken('inv_1001');
    expect((await refund(express, 'inv_1001', token)).status).toBe(200);
    for (const other of fleet.slice(1)) {
      const replay = await refund(other, 'inv_1001', token);
      expect(replay.status).toBe(401);
      expect(replay.json?.error_description).toBe('The access token was already used');
    }
  });

  it('50 simultaneous uses of one token across four processes: exactly one succeeds', async () => {
    const token = await refundToken('inv_1002');
    const replies = await Promise.all(
      Array.from({ length: 50 }, (_, i) => refund(fleet[i % fleet.length] as RunningExample, 'inv_1002', token)),
    );
    const statuses = replies.map((reply) => reply.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(1);
    expect(statuses.filter((status) => status === 401)).toHaveLength(49);
  });

  it('Redis 1.5 s late: the refund gets 503 after about 1 s, and the retry after Retry-After succeeds', async () => {
    const token = await refundToken('inv_1006');
    // Warm: the key set is fetched before Redis stalls, so only Redis is slow.
    const read = await mint(keys, AUDIENCE, { claims: { scope: 'invoices:read' } });
    expect((await send(express.url, '/invoices', { headers: bearer(read) })).status).toBe(200);
    const { resumed } = await pauseRedis(redis.url, 1500);
    const started = Date.now();
    const refused = await refund(express, 'inv_1006', token);
    const refusedAfter = Date.now() - started;
    expect(refused.status).toBe(503);
    expect(refusedAfter).toBeGreaterThanOrEqual(900);
    expect(refusedAfter).toBeLessThan(5000); // the 1 s replay timeout, generous for a loaded machine
    const retryAfter = Number(refused.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    await resumed;
    await new Promise((resolve) => setTimeout(resolve, retryAfter * 1000));
    const retried = await refund(express, 'inv_1006', token);
    expect(retried.status).toBe(200); // the approval was not lost
    expect(retried.json).toEqual({ id: 'inv_1006', status: 'refunded' });
    const replay = await refund(koa, 'inv_1006', token); // and it is now used, fleet-wide
    expect(replay.status).toBe(401);
    expect(replay.json?.error_description).toBe('The access token was already used');
  }, 30_000);

  it('Redis down: 503 with Retry-After and no allow; back up: service resumes without a restart', async () => {
    await redis.stop();
    try {
      for (const example of fleet) {
        const reply = await refund(example, 'inv_1003', await refundToken('inv_1003'));
        expect(reply.status).toBe(503);
        expect(reply.headers['retry-after']).toMatch(/^\d+$/);
      }
      // Routes without single use do not need Redis.
      const read = await mint(keys, AUDIENCE, { claims: { scope: 'invoices:read' } });
      expect((await send(express.url, '/invoices', { headers: bearer(read) })).status).toBe(200);
    } finally {
      await redis.start();
    }
    for (const example of fleet) {
      await eventually(
        async () => (await refund(example, 'inv_1004', await refundToken('inv_1004'))).status !== 503,
        5000,
      );
    }
    const token = await refundToken('inv_1005');
    expect((await refund(koa, 'inv_1005', token)).status).toBe(200);
    expect((await refund(express, 'inv_1005', token)).status).toBe(401);
  });
});
