import { createClient } from '@redis/client';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { pauseRedis, type RedisServer, startRedis, startSilentServer } from '../../../test/support/redis-server.js';
import { RedisRevocationStore, type RedisRevocationStoreOptions } from './index.js';

const ISS = 'https://as.test';
let redis: RedisServer;
const stores: RedisRevocationStore[] = [];
async function store(options: Partial<RedisRevocationStoreOptions> = {}): Promise<RedisRevocationStore> {
  const created = new RedisRevocationStore({ url: redis.url, ...options });
  stores.push(created);
  return created;
}
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await Promise.all(stores.map((s) => s.close()));
  await redis.stop();
});
const nowSeconds = () => Math.floor(Date.now() / 1000);
let n = 0;
const unique = (name: string) => `${name}-${process.pid}-${++n}`;

describe('RedisRevocationStore', () => {
  it('a revocation made on one instance is seen by another on its next lookup', async () => {
    const a = await store();
    const b = await store();
    expect(await a.ready()).toBe(true);
    expect(await b.ready()).toBe(true);
    const jti = unique('jti');
    expect(await b.isRevoked({ issuer: ISS, jti })).toBe(false);
    await a.revoke({ jti, issuer: ISS });
    expect(await b.isRevoked({ issuer: ISS, jti })).toBe(true);
    expect(await b.isRevoked({ issuer: 'https://other.test', jti })).toBe(false);
  });

  it('by sub and client: tokens issued up to `before`, the furthest of repeated revocations kept', async () => {
    const a = await store();
    const b = await store();
    await Promise.all([a.ready(), b.ready()]);
    const sub = unique('sub');
    await a.revoke({ sub, before: 2000 });
    await b.revoke({ sub, before: 1000 }); // older and late: does not shrink the first
    expect(await b.isRevoked({ issuer: ISS, sub, iat: 1999 })).toBe(true);
    expect(await b.isRevoked({ issuer: ISS, sub, iat: 2000 })).toBe(true);
    expect(await b.isRevoked({ issuer: ISS, sub, iat: 2001 })).toBe(false);
    expect(await b.isRevoked({ issuer: ISS, sub })).toBe(true); // no iat: fail closed
    const clientId = unique('client');
    await a.revoke({ clientId });
    expect(await b.isRevoked({ issuer: ISS, clientId, iat: nowSeconds() - 10 })).toBe(true);
    expect(await b.isRevoked({ issuer: ISS, clientId, iat: nowSeconds() + 10 })).toBe(false);
    const grantId = unique('grant');
    await a.revoke({ grantId, until: nowSeconds() + 120 });
    expect(await b.isRevoked({ issuer: ISS, grantId, iat: 0 })).toBe(true);
  });

  it('keeps a record in Redis until its `until`, no longer', async () => {
    const a = await store({ keyPrefix: 'test:{rev}:' });
    await a.ready();
    const admin = createClient({ url: redis.url });
    await admin.connect();
    onTestFinished(() => admin.destroy());
    await a.revoke({ jti: unique('jti'), until: nowSeconds() + 30 });
    const keys = await admin.keys('test:{rev}:*');
    expect(keys).toHaveLength(1);
    const ttl = await admin.pTTL(keys[0] as string);
    expect(ttl).toBeGreaterThan(28_000);
    expect(ttl).toBeLessThanOrEqual(30_000);
    await a.revoke({ jti: unique('jti'), until: nowSeconds() - 1 }); // its tokens have expired: nothing to keep
    expect(await admin.keys('test:{rev}:*')).toHaveLength(1);
  });

  it('publishes every revocation to every instance’s subscribers, and answers from that mirror', async () => {
    const a = await store();
    const b = await store();
    await Promise.all([a.ready(), b.ready()]);
    const jti = unique('jti');
    const heard = new Promise<number>((resolve) =>
      b.subscribe((record) => {
        if (record.value === jti) resolve(performance.now());
      }),
    );
    const started = performance.now();
    await a.revoke({ jti });
    const at = await heard;
    console.log(`[measure] redis pub/sub: revoke() to the other instance's subscriber ${(at - started).toFixed(2)} ms`);
    expect(at - started).toBeLessThan(1000);
    // Heard: answered from the mirror, even while Redis cannot answer.
    const { resumed } = await pauseRedis(redis.url, 500);
    const asked = performance.now();
    expect(await b.isRevoked({ issuer: ISS, jti })).toBe(true);
    expect(performance.now() - asked).toBeLessThan(400);
    await resumed;
  });

  it('a foreign or corrupted record under the prefix is a rejection (503), never "not revoked"', async () => {
    const a = await store({ keyPrefix: 'test:{corrupt}:' });
    await a.ready();
    const jti = unique('jti');
    await a.revoke({ jti, until: nowSeconds() + 60 });
    const admin = createClient({ url: redis.url });
    await admin.connect();
    onTestFinished(() => admin.destroy());
    const [key] = await admin.keys('test:{corrupt}:*');
    await admin.set(key as string, 'garbage');
    const fresh = await store({ keyPrefix: 'test:{corrupt}:' }); // no mirror of the publication
    await fresh.ready();
    await expect(fresh.isRevoked({ issuer: ISS, jti })).rejects.toThrow(/unexpected record/);
  });

  it('rejects lookups at once while Redis is down, and answers again when it is back', async () => {
    const own = await startRedis();
    onTestFinished(() => own.stop());
    const s = await store({ url: own.url });
    expect(await s.ready()).toBe(true);
    await own.stop();
    const started = Date.now();
    await expect(s.isRevoked({ issuer: ISS, jti: 'x' })).rejects.toThrow();
    await expect(s.revoke({ jti: 'x' })).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(1000);
    await own.start();
    const deadline = Date.now() + 5000;
    let answered: boolean | undefined;
    while (answered === undefined && Date.now() < deadline) {
      answered = await s.isRevoked({ issuer: ISS, jti: 'x' }).catch(() => undefined);
      if (answered === undefined) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(answered).toBe(false); // the Redis that came back is empty: it was never told
  });

  it('a stalled Redis leaves the lookup pending (the gate’s revocationTimeout answers 503), never false', async () => {
    const s = await store();
    expect(await s.ready()).toBe(true);
    const { resumed } = await pauseRedis(redis.url, 800);
    let settled: string | undefined;
    const lookup = s.isRevoked({ issuer: ISS, jti: unique('jti') }).then(
      (value) => {
        settled = `resolved ${value}`;
      },
      () => {
        settled = 'rejected';
      },
    );
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(settled).toBeUndefined();
    await resumed;
    await lookup;
  });

  it('against a socket that never answers: ready() is false and lookups are refused at once', async () => {
    const silent = await startSilentServer();
    onTestFinished(() => silent.close());
    const s = await store({ url: silent.url, readyTimeout: 300 });
    expect(await s.ready()).toBe(false);
    await expect(s.isRevoked({ issuer: ISS, jti: 'x' })).rejects.toThrow();
  });

  it('names the option on a configuration mistake', async () => {
    expect(() => new RedisRevocationStore({} as RedisRevocationStoreOptions)).toThrow(/redis\.url/);
    expect(() => new RedisRevocationStore({ url: 'http://x' })).toThrow(/redis\.url/);
    expect(() => new RedisRevocationStore({ url: redis.url, retention: 0 })).toThrow(/redis\.retention/);
    expect(() => new RedisRevocationStore({ url: redis.url, channel: '' })).toThrow(/redis\.channel/);
    expect(() => new RedisRevocationStore({ url: redis.url, socketTimeout: 0 })).toThrow(/redis\.socketTimeout/);
  });
});

describe('RedisRevocationStore and MemoryRevocationStore agree', () => {
  it('on any sequence of revocations and any query (property)', async () => {
    const fc = await import('fast-check');
    const { MemoryRevocationStore } = await import('@actiongate/core');
    const issuer = fc.constantFrom(ISS, 'https://other.test');
    const value = fc.constantFrom('a', 'b');
    const before = fc.integer({ min: 1000, max: 1010 });
    const revocation = fc.oneof(
      fc.record({ jti: value, issuer: fc.option(issuer, { nil: undefined }) }),
      fc.record({ sub: value, before, issuer: fc.option(issuer, { nil: undefined }) }),
      fc.record({ clientId: value, before, issuer: fc.option(issuer, { nil: undefined }) }),
      fc.record({ grantId: value }),
    );
    const query = fc.record({
      issuer,
      jti: fc.option(value, { nil: undefined }),
      sub: fc.option(value, { nil: undefined }),
      clientId: fc.option(value, { nil: undefined }),
      grantId: fc.option(value, { nil: undefined }),
      iat: fc.option(fc.integer({ min: 999, max: 1011 }), { nil: undefined }),
    });
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(revocation, { maxLength: 6 }),
        fc.array(query, { minLength: 1, maxLength: 6 }),
        async (revocations, queries) => {
          const keyPrefix = `prop:{${process.pid}-${++run}}:`;
          const writer = await store({ keyPrefix, channel: `prop-${run}` });
          // A reader on another channel hears nothing: every answer is Redis's own.
          const reader = await store({ keyPrefix, channel: `prop-silent-${run}` });
          await Promise.all([writer.ready(), reader.ready()]);
          const memory = new MemoryRevocationStore();
          for (const r of revocations) {
            await writer.revoke(r);
            await memory.revoke(r);
          }
          for (const q of queries) expect(await reader.isRevoked(q)).toBe(memory.isRevoked(q));
          await Promise.all([writer.close(), reader.close()]);
        },
      ),
      { numRuns: 40 },
    );
  }, 60_000);
});
