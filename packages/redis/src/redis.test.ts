import { randomUUID } from 'node:crypto';
import { ConfigurationError } from '@actiongate/core';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { type RedisServer, startRedis, useRedis } from '../../../test/support/redis-server.js';
import { RedisReplayStore } from './index.js';

let redis: Pick<RedisServer, 'url' | 'stop'>;
const stores: RedisReplayStore[] = [];

function store(options: { keyPrefix?: string; url?: string } = {}): RedisReplayStore {
  const created = new RedisReplayStore({ url: redis.url, ...options });
  stores.push(created);
  return created;
}

async function eventually(attempt: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    if (await attempt().catch(() => false)) return Date.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`not within ${timeoutMs} ms`);
}

beforeAll(async () => {
  redis = await useRedis();
});

afterAll(async () => {
  await Promise.all(stores.map((s) => s.close()));
  await redis.stop();
});

describe('RedisReplayStore', () => {
  it('records the first use and refuses every later one', async () => {
    const s = store();
    const key = randomUUID();
    const expiresAt = Date.now() + 60_000;
    await eventually(() => s.consume(`warm-${key}`, expiresAt), 3000);
    expect(await s.consume(key, expiresAt)).toBe(true);
    expect(await s.consume(key, expiresAt)).toBe(false);
    const other = store();
    await other.ready();
    expect(await other.consume(key, expiresAt)).toBe(false); // another instance, same Redis
  });

  it('keeps the key until the expiry it was given (PXAT), under the prefix', async () => {
    const s = store({ keyPrefix: 'test:jti:' });
    const key = randomUUID();
    const expiresAt = Date.now() + 30_000;
    await eventually(() => s.consume(key, expiresAt), 3000);
    const client = createClient({ url: redis.url });
    await client.connect();
    const ttl = await client.pTTL(`test:jti:${key}`);
    await client.quit();
    expect(ttl).toBeGreaterThan(25_000);
    expect(ttl).toBeLessThanOrEqual(30_000);
  });

  it('lets exactly one of 50 concurrent uses of one key through', async () => {
    const a = store();
    const b = store();
    await eventually(() => a.consume(randomUUID(), Date.now() + 1000), 3000);
    await eventually(() => b.consume(randomUUID(), Date.now() + 1000), 3000);
    const key = randomUUID();
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => (i % 2 === 0 ? a : b).consume(key, Date.now() + 60_000)),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('rejects at once while Redis is down and works again when it is back, without a restart', async () => {
    const own = await startRedis(); // always a server of its own, to stop and start
    const s = store({ url: own.url });
    await eventually(() => s.consume(randomUUID(), Date.now() + 60_000), 3000);
    await own.stop();
    const started = Date.now();
    await expect(s.consume(randomUUID(), Date.now() + 60_000)).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(1000);
    await own.start();
    onTestFinished(() => own.stop());
    const recoveredIn = await eventually(() => s.consume(randomUUID(), Date.now() + 60_000), 5000);
    expect(recoveredIn).toBeLessThan(5000);
  });

  it('names the option on a configuration mistake', () => {
    expect(() => new RedisReplayStore({})).toThrow(ConfigurationError);
    expect(() => new RedisReplayStore({ url: 'http://localhost' })).toThrow(/redis\.url/);
  });
});
