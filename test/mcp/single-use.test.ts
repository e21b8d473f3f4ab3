/**
 * A token's refund grant is good for one refund (shared/mcp-invoices.md, "Refusals"): per
 * (token, action), in memory and across two server processes sharing a real Redis; with Redis
 * down, refunds fail closed with 503 + Retry-After and reads are unaffected.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startJwksServer } from '../blackbox/support/jwks-server.js';
import { createKeys } from '../blackbox/support/keys.js';
import { pauseRedis, type RedisServer, startRedis } from '../support/redis-server.js';
import {
  call,
  insufficientScope,
  MFA,
  now,
  post,
  resultOf,
  type Served,
  serveForFile,
  startServed,
} from './support.js';

const stepUp = (s: Served, extra: Record<string, unknown> = {}) =>
  s.token({ scope: 'invoices:read invoices:export payments:refund', acr: MFA, auth_time: now(), ...extra });

const refund = (s: Served, token: string, id: string) => post(s, call('refund_invoice', { id }), token);

function expectSpent(s: Served, reply: { status: number; challenge: string | null; json: unknown }) {
  expect(reply.status).toBe(403);
  expect(reply.challenge).toMatch(insufficientScope(s, 'invoices:read payments:refund'));
  expect(reply.json).toMatchObject({ error: 'insufficient_scope' });
}

describe('in memory', () => {
  const served = serveForFile();

  it('one refund per token; the token keeps listing, reading and exporting; a new token refunds again', async () => {
    const s = served();
    const token = await stepUp(s);
    const first = await refund(s, token, 'inv_1001');
    expect(resultOf(first).structuredContent).toMatchObject({ id: 'inv_1001', status: 'refunded' });
    const second = await refund(s, token, 'inv_1002');
    expectSpent(s, second);
    const again = await refund(s, token, 'inv_1002');
    expect(again.challenge).toBe(second.challenge);

    const list = await post(s, call('list_invoices'), token);
    expect(resultOf(list).structuredContent?.invoices).toHaveLength(10);
    const read = await post(s, call('get_invoice', { id: 'inv_1002' }), token);
    expect(resultOf(read).structuredContent).toMatchObject({ id: 'inv_1002', status: 'open' });
    const exported = await post(s, call('export_invoices'), token);
    expect(exported.status).toBe(200);

    const fresh = await refund(s, await stepUp(s), 'inv_1002');
    expect(resultOf(fresh).structuredContent).toMatchObject({ id: 'inv_1002', status: 'refunded' });
  });

  it('the grant is spent when the guard allows, whatever the tool answers (an unknown invoice)', async () => {
    const s = served();
    const token = await stepUp(s);
    const missing = await refund(s, token, 'inv_9999');
    expect(missing.status).toBe(200);
    expect(resultOf(missing).isError).toBe(true);
    expectSpent(s, await refund(s, token, 'inv_1003'));
  });

  it('a refused request spends nothing: the same token refunds after a header mismatch', async () => {
    const s = served();
    const token = await stepUp(s);
    const mismatch = await post(s, call('refund_invoice', { id: 'inv_1004' }), token, { 'mcp-name': 'list_invoices' });
    expect(mismatch.status).toBe(400);
    const ok = await refund(s, token, 'inv_1004');
    expect(resultOf(ok).structuredContent).toMatchObject({ id: 'inv_1004', status: 'refunded' });
  });

  it('two refunds with one token at once: exactly one succeeds', async () => {
    const s = served();
    const token = await stepUp(s);
    const replies = await Promise.all([refund(s, token, 'inv_1005'), refund(s, token, 'inv_1006')]);
    expect(replies.map((r) => r.status).sort()).toEqual([200, 403]);
  });
});

describe('two processes sharing a real Redis', () => {
  let redis: RedisServer;
  let a: Served;
  let b: Served;

  beforeAll(async () => {
    redis = await startRedis();
    const keys = await createKeys();
    const jwks = await startJwksServer(keys.jwks);
    // One audience for both, so that one token is good at either.
    const audience = 'http://invoices.test/mcp';
    const options = { env: { REDIS_URL: redis.url, AUDIENCE: audience }, audience: () => audience };
    [a, b] = await Promise.all([startServed(options, { keys, jwks }), startServed(options, { keys, jwks })]);
  }, 40_000);
  afterAll(async () => {
    await a?.example.stop();
    await b?.example.stop();
    await a?.jwks.close();
    await redis?.stop();
  });

  it('a refund on A spends the grant on B; reads stay good on both', async () => {
    const token = await stepUp(a);
    const onA = await refund(a, token, 'inv_1001');
    expect(resultOf(onA).structuredContent).toMatchObject({ id: 'inv_1001', status: 'refunded' });
    const onB = await refund(b, token, 'inv_1001');
    expectSpent(b, onB);
    // B's own store was never touched: its inv_1001 is still open, the refusal came from Redis.
    const read = await post(b, call('get_invoice', { id: 'inv_1001' }), token);
    expect(resultOf(read).structuredContent).toMatchObject({ id: 'inv_1001', status: 'open' });
    const other = await refund(b, await stepUp(b), 'inv_1001');
    expect(resultOf(other).structuredContent).toMatchObject({ id: 'inv_1001', status: 'refunded' });
  });

  it('Redis stalled: reads answer at once, a refund fails closed at once (503), never spends twice', async () => {
    const token = await stepUp(a);
    const { resumed } = await pauseRedis(redis.url, 7000);
    const started = Date.now();
    const pending = refund(a, token, 'inv_1005');
    const list = await post(a, call('list_invoices'), token);
    expect(resultOf(list).structuredContent?.invoices).toHaveLength(10);
    expect(Date.now() - started).toBeLessThan(2000);
    const stalled = await pending;
    // The store's command timeout (about 1 s) answers, not the stall: 503 + Retry-After, fail closed.
    expect(stalled.status).toBe(503);
    expect(stalled.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(Date.now() - started).toBeLessThan(5000);
    await resumed;
    // Whatever the stalled one answered, the grant is good for one refund at most.
    const later = await refund(b, token, 'inv_1005');
    const refunded = [stalled, later].filter((r) => r.status === 200).length;
    expect(refunded).toBeLessThanOrEqual(1);
    if (stalled.status === 200) expectSpent(b, later);
  }, 30_000);

  it('Redis down: a refund is 503 + Retry-After (fail closed), reads are unaffected; back up, it refunds', async () => {
    await redis.stop();
    const token = await stepUp(a);
    const down = await refund(a, token, 'inv_1002');
    expect(down.status).toBe(503);
    expect(down.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(down.challenge).toBeNull();
    const list = await post(a, call('list_invoices'), token);
    expect(resultOf(list).structuredContent?.invoices).toHaveLength(10);
    const read = await post(a, call('get_invoice', { id: 'inv_1002' }), token);
    expect(resultOf(read).structuredContent).toMatchObject({ id: 'inv_1002', status: 'open' });

    await redis.start();
    // The client reconnects on its own; a bounded wait for the first refund it lets through.
    let status = 0;
    for (let attempt = 0; attempt < 40 && status !== 200; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 250));
      status = (await refund(a, token, 'inv_1002')).status;
      expect([200, 503]).toContain(status);
    }
    expect(status).toBe(200);
  }, 30_000);
});
