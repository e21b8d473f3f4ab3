import { randomUUID } from 'node:crypto';
import type { BudgetUse } from '@actiongate/core';
import { createClient } from '@redis/client';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { pauseRedis, type RedisServer, startLyingRedis, startRedis } from '../../../test/support/redis-server.js';
import { RedisReplayStore, type RedisReplayStoreOptions } from './index.js';

let redis: RedisServer;
const stores: RedisReplayStore[] = [];
async function store(options: Partial<RedisReplayStoreOptions> = {}): Promise<RedisReplayStore> {
  const created = new RedisReplayStore({ url: redis.url, ...options });
  stores.push(created);
  return created;
}
beforeAll(async () => {
  redis = await startRedis(); // always our own: one test pauses it
});
afterAll(async () => {
  await Promise.all(stores.map((s) => s.close()));
  await redis.stop();
});

const T0 = Date.now();
const budget = (max: number, extra: Partial<BudgetUse> = {}): BudgetUse => ({
  expiresAt: T0 + 3_600_000,
  attempt: randomUUID(),
  max,
  now: T0,
  ...extra,
});

describe('RedisReplayStore.spend', () => {
  it('counts max uses and refuses the next, across instances', async () => {
    const a = await store();
    const b = await store();
    expect(await a.ready()).toBe(true);
    expect(await b.ready()).toBe(true);
    const key = randomUUID();
    expect(await a.spend(key, budget(3))).toEqual({ allowed: true, used: 1 });
    expect(await b.spend(key, budget(3))).toEqual({ allowed: true, used: 2 });
    expect(await a.spend(key, budget(3))).toEqual({ allowed: true, used: 3 });
    expect(await b.spend(key, budget(3))).toEqual({ allowed: false, used: 3 });
  });

  it('measures the window from the first use on the gate’s clock, and keeps the key until the expiry', async () => {
    const s = await store({ keyPrefix: 'test:uses:' });
    await s.ready();
    const key = randomUUID();
    const expiresAt = Date.now() + 30_000;
    expect((await s.spend(key, budget(5, { within: 300_000, now: T0, expiresAt }))).allowed).toBe(true);
    expect((await s.spend(key, budget(5, { within: 300_000, now: T0 + 299_999, expiresAt }))).allowed).toBe(true);
    expect(await s.spend(key, budget(5, { within: 300_000, now: T0 + 300_000, expiresAt }))).toEqual({
      allowed: false,
      used: 2,
    });
    const admin = createClient({ url: redis.url });
    await admin.connect();
    onTestFinished(() => admin.destroy());
    const ttl = await admin.pTTL(`test:uses:${key}`);
    expect(ttl).toBeGreaterThan(25_000);
    expect(ttl).toBeLessThanOrEqual(30_000);
  });

  it('of 50 concurrent uses from two instances with max 3, exactly 3 are counted', async () => {
    const a = await store();
    const b = await store();
    await Promise.all([a.ready(), b.ready()]);
    const key = randomUUID();
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 ? a : b).spend(key, budget(3))));
    const allowed = results.filter((r) => r.allowed).length;
    console.log(`[measure] redis budget race (store level): 50 concurrent on 2 instances, max 3 -> ${allowed} counted`);
    expect(allowed).toBe(3);
  });

  it('release uncounts exactly the attempt it names, once', async () => {
    const s = await store();
    await s.ready();
    const key = randomUUID();
    const first = budget(1);
    expect((await s.spend(key, first)).allowed).toBe(true);
    expect((await s.spend(key, budget(1))).allowed).toBe(false);
    await s.release(key, randomUUID()); // not counted: nothing happens
    expect((await s.spend(key, budget(1))).allowed).toBe(false);
    await s.release(key, first.attempt);
    await s.release(key, first.attempt); // repeated: still once
    expect(await s.spend(key, budget(1))).toEqual({ allowed: true, used: 1 });
    expect((await s.spend(key, budget(1))).allowed).toBe(false);
  });

  it('a single-use key and a budget key never confuse each other: WRONGTYPE is a rejection, not an answer', async () => {
    const s = await store();
    await s.ready();
    const key = randomUUID();
    expect((await s.consume(key, { expiresAt: Date.now() + 60_000, attempt: randomUUID() })).first).toBe(true);
    await expect(s.spend(key, budget(3))).rejects.toThrow();
  });

  it('a use counted while Redis stalled and then released is uncounted (the gate’s undo)', async () => {
    const s = await store();
    expect(await s.ready()).toBe(true);
    const key = randomUUID();
    const late = budget(1);
    const { resumed } = await pauseRedis(redis.url, 1000);
    const spent = s.spend(key, late);
    await new Promise((resolve) => setTimeout(resolve, 300)); // the gate gave up
    const released = s.release(key, late.attempt);
    expect((await spent).allowed).toBe(true); // it did count, late
    await released;
    await resumed;
    expect((await s.spend(key, budget(1))).allowed).toBe(true); // the retry finds the use uncounted
  });

  it('rejects while Redis is down, never answers allowed', async () => {
    const own = await startRedis();
    onTestFinished(() => own.stop());
    const s = await store({ url: own.url });
    expect(await s.ready()).toBe(true);
    await own.stop();
    await expect(s.spend(randomUUID(), budget(3))).rejects.toThrow();
  });

  for (const [name, reply] of [
    ['an integer', ':1\r\n'],
    ['an array of the wrong shape', '*1\r\n:1\r\n'],
    ['a count that is not a number', '*2\r\n:1\r\n$1\r\nx\r\n'],
    ['an allowed flag other than 0 or 1', '*2\r\n:2\r\n:1\r\n'],
  ] as const) {
    it(`a Redis answering the script with ${name} is a rejection (503), never an allow`, async () => {
      const liar = await startLyingRedis('+OK\r\n', false, reply);
      onTestFinished(() => liar.close());
      const s = await store({ url: liar.url, readyTimeout: 3000 });
      expect(await s.ready()).toBe(true);
      await expect(s.spend(randomUUID(), budget(3))).rejects.toThrow(/unexpected reply/);
    });
  }
});
