/**
 * DPoP proof replay across a fleet (RFC 9449 §11.1): with REDIS_URL both examples record proof
 * `jti`s in one real redis-server. 50 simultaneous uses of one proof across the four invoice
 * examples (Express, Koa, Fastify, Hono) let exactly one through; a proof used on one is refused
 * on every other. `htu` names AUDIENCE's
 * origin, not the loopback address the request reached.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, startRedis } from '../support/redis-server.js';
import { REFUSAL } from './support/challenge.js';
import { createDpopKey, type DpopKey, proof } from './support/dpop.js';
import { EXAMPLES, type RunningExample, startExample } from './support/example.js';
import { send } from './support/http.js';
import { type JwksServer, startJwksServer } from './support/jwks-server.js';
import { createKeys, ISSUER, mint, type TestKeys } from './support/keys.js';

const AUDIENCE = 'https://invoices.test';
let redis: RedisServer;
let keys: TestKeys;
let jwks: JwksServer;
let key: DpopKey;
let express: RunningExample;
let koa: RunningExample;
let fleet: RunningExample[] = [];

beforeAll(async () => {
  redis = await startRedis();
  keys = await createKeys();
  key = await createDpopKey();
  jwks = await startJwksServer(keys.jwks);
  const env = { ISSUER, JWKS_URI: jwks.url, AUDIENCE, REDIS_URL: redis.url, ACCEPT_DPOP: '1' };
  fleet = await Promise.all(EXAMPLES.map((name) => startExample(name, env)));
  [express, koa] = fleet as [RunningExample, RunningExample];
});

afterAll(async () => {
  await Promise.all(fleet.map((example) => example.stop()));
  await jwks?.close();
  await redis?.stop();
});

const read = (example: RunningExample, token: string, dpop: string) =>
  send(example.url, '/invoices', {
    headers: [
      ['authorization', `DPoP ${token}`],
      ['dpop', dpop],
    ],
  });

describe('DPoP proofs on Redis, shared by the four examples', () => {
  it('a proof used on one example is a replay on every other', async () => {
    const token = await mint(keys, AUDIENCE, { claims: { scope: 'invoices:read', cnf: { jkt: key.jkt } } });
    const once = await proof(key, 'GET', `${AUDIENCE}/invoices`, token);
    expect((await read(express, token, once)).status).toBe(200);
    for (const other of fleet.slice(1)) {
      const replay = await read(other, token, once);
      expect(replay.status).toBe(401);
      expect(replay.json).toEqual({
        error: 'invalid_dpop_proof',
        error_description: REFUSAL.dpop_proof_replayed.description,
      });
    }
    // A fresh proof for the same token is fine on either.
    expect((await read(koa, token, await proof(key, 'GET', `${AUDIENCE}/invoices`, token))).status).toBe(200);
  });

  it('50 simultaneous uses of one proof across four processes: exactly one succeeds', async () => {
    const token = await mint(keys, AUDIENCE, { claims: { scope: 'invoices:read', cnf: { jkt: key.jkt } } });
    const once = await proof(key, 'GET', `${AUDIENCE}/invoices`, token);
    const replies = await Promise.all(
      Array.from({ length: 50 }, (_, i) => read(fleet[i % fleet.length] as RunningExample, token, once)),
    );
    const statuses = replies.map((reply) => reply.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(1);
    expect(statuses.filter((status) => status === 401)).toHaveLength(49);
    for (const reply of replies.filter((r) => r.status === 401)) expect(reply.json?.error).toBe('invalid_dpop_proof');
  });
});
