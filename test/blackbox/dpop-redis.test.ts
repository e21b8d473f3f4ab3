/**
 * DPoP proof replay across a fleet (RFC 9449 §11.1): with REDIS_URL both examples record proof
 * `jti`s in one real redis-server. 50 simultaneous uses of one proof across two processes let
 * exactly one through; a proof used on one is refused on the other. `htu` names AUDIENCE's
 * origin, not the loopback address the request reached.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, startRedis } from '../support/redis-server.js';
import { REFUSAL } from './support/challenge.js';
import { createDpopKey, type DpopKey, proof } from './support/dpop.js';
import { type RunningExample, startExample } from './support/example.js';
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

beforeAll(async () => {
  redis = await startRedis();
  keys = await createKeys();
  key = await createDpopKey();
  jwks = await startJwksServer(keys.jwks);
  const env = { ISSUER, JWKS_URI: jwks.url, AUDIENCE, REDIS_URL: redis.url, ACCEPT_DPOP: '1' };
  [express, koa] = await Promise.all([startExample('express-invoices', env), startExample('koa-invoices', env)]);
});

afterAll(async () => {
  await Promise.all([express?.stop(), koa?.stop()]);
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

describe('DPoP proofs on Redis, shared by both examples', () => {
  it('a proof used on one example is a replay on the other', async () => {
    const token = await mint(keys, AUDIENCE, { claims: { scope: 'invoices:read', cnf: { jkt: key.jkt } } });
    const once = await proof(key, 'GET', `${AUDIENCE}/invoices`, token);
    expect((await read(express, token, once)).status).toBe(200);
    const replay = await read(koa, token, once);
    expect(replay.status).toBe(401);
    expect(replay.json).toEqual({
      error: 'invalid_dpop_proof',
      error_description: REFUSAL.dpop_proof_replayed.description,
    });
    // A fresh proof for the same token is fine on either.
    expect((await read(koa, token, await proof(key, 'GET', `${AUDIENCE}/invoices`, token))).status).toBe(200);
  });

  it('50 simultaneous uses of one proof across two processes: exactly one succeeds', async () => {
    const token = await mint(keys, AUDIENCE, { claims: { scope: 'invoices:read', cnf: { jkt: key.jkt } } });
    const once = await proof(key, 'GET', `${AUDIENCE}/invoices`, token);
    const replies = await Promise.all(
      Array.from({ length: 50 }, (_, i) => read(i % 2 === 0 ? express : koa, token, once)),
    );
    const statuses = replies.map((reply) => reply.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(1);
    expect(statuses.filter((status) => status === 401)).toHaveLength(49);
    for (const reply of replies.filter((r) => r.status === 401)) expect(reply.json?.error).toBe('invalid_dpop_proof');
  });
});
