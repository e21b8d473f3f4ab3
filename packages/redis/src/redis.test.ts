import { randomUUID } from 'node:crypto';
import { ConfigurationError } from '@actiongate/core';
import { createClient } from '@redis/client';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import {
  pauseRedis,
  type RedisServer,
  startLyingRedis,
  startRedis,
  startSilentServer,
  useRedis,
} from '../../../test/support/redis-server.js';
import { RedisReplayStore, type RedisReplayStoreOptions } from './index.js';

let redis: Pick<RedisServer, 'url' | 'stop'>;
const stores: RedisReplayStore[] = [];

function store(options: RedisReplayStoreOptions = {}): RedisReplayStore {
  const created = new RedisReplayStore({ url: redis.url, ...options });
  stores.push(created);
  return created;
}

const use = (expiresAt = Date.now() + 60_000) => ({ expiresAt, attempt: randomUUID() });
const first = async (s: RedisReplayStore, key: string, expiresAt?: number) =>
  (await s.consume(key, use(expiresAt))).first;

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
    await eventually(() => first(s, `warm-${key}`, expiresAt), 3000);
    expect(await first(s, key, expiresAt)).toBe(true);
    expect(await first(s, key, expiresAt)).toBe(false);
    const other = store();
    await other.ready();
    expect(await first(other, key, expiresAt)).toBe(false); // another instance, same Redis
  });

  it('keeps the key until the expiry it was given (PXAT), under the prefix', async () => {
    const s = store({ keyPrefix: 'test:jti:' });
    const key = randomUUID();
    const expiresAt = Date.now() + 30_000;
    await eventually(() => first(s, key, expiresAt), 3000);
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
    await eventually(() => first(a, randomUUID()), 3000);
    await eventually(() => first(b, randomUUID()), 3000);
    const key = randomUUID();
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => first(i % 2 === 0 ? a : b, key)));
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('rejects at once while Redis is down and works again when it is back, without a restart', async () => {
    const own = await startRedis(); // always a server of its own, to stop and start
    const s = store({ url: own.url });
    await eventually(() => first(s, randomUUID()), 3000);
    await own.stop();
    const started = Date.now();
    await expect(s.consume(randomUUID(), use())).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(1000);
    await own.start();
    onTestFinished(() => own.stop());
    const recoveredIn = await eventually(() => first(s, randomUUID()), 5000);
    expect(recoveredIn).toBeLessThan(5000);
  });

  it('names the option on a configuration mistake', () => {
    expect(() => new RedisReplayStore({})).toThrow(ConfigurationError);
    expect(() => new RedisReplayStore({ url: 'http://localhost' })).toThrow(/redis\.url/);
    expect(() => new RedisReplayStore({ url: redis.url, readyTimeout: 0 })).toThrow(/redis\.readyTimeout/);
    expect(() => new RedisReplayStore({ url: redis.url, socketTimeout: 1.5 })).toThrow(/redis\.socketTimeout/);
    const setOnly = { set: async () => 'OK' } as unknown as RedisReplayStoreOptions['client'];
    expect(() => new RedisReplayStore({ client: setOnly })).toThrow(/redis\.client/);
  });

  it('releases only the attempt that recorded the key, atomically', async () => {
    const s = store();
    await s.ready();
    const key = randomUUID();
    const winner = use();
    expect((await s.consume(key, winner)).first).toBe(true);
    await s.release(key, randomUUID()); // a replay's attempt or a stale undo: the winner stays
    expect(await first(s, key)).toBe(false);
    await s.release(key, winner.attempt);
    expect(await first(s, key)).toBe(true);
  });
});

describe('RedisReplayStore against a Redis that answers late (CLIENT PAUSE)', () => {
  let slow: RedisServer;
  let admin: ReturnType<typeof createClient>;
  beforeAll(async () => {
    slow = await startRedis();
    admin = createClient({ url: slow.url });
    admin.on('error', () => {});
    await admin.connect();
  });
  afterAll(async () => {
    admin.destroy();
    await slow.stop();
  });

  /** Holds every command for `seconds`; resolves once that is in effect, with `resumed`. */
  const stall = (seconds: number) => pauseRedis(slow.url, seconds * 1000);

  it('a use answered 1.5 s late and released at 1 s, as the gate does, leaves the key free', async () => {
    const s = store({ url: slow.url });
    expect(await s.ready()).toBe(true);
    const key = randomUUID();
    const late = use();
    const { resumed } = await stall(1.5);
    let answeredAt = 0;
    const consumed = s.consume(key, late).then((result) => {
      answeredAt = Date.now();
      return result;
    });
    await new Promise((resolve) => setTimeout(resolve, 1000)); // the gate's timeout
    const releasedAt = Date.now();
    const released = s.release(key, late.attempt);
    expect((await consumed).first).toBe(true); // the SET did run, after the gate gave up
    expect(answeredAt).toBeGreaterThan(releasedAt);
    await released;
    await resumed;
    expect(await admin.get(`actiongate:jti:${key}`)).toBeNull(); // and was undone
    expect(await first(s, key)).toBe(true); // so the retry is the first use
    expect(await first(s, key)).toBe(false);
  });

  it('without the undo, the late use would burn the key (the weakness this closes)', async () => {
    const s = store({ url: slow.url });
    await s.ready();
    const key = randomUUID();
    const { resumed } = await stall(1.5);
    const consumed = s.consume(key, use());
    await resumed;
    expect((await consumed).first).toBe(true);
    expect(await first(s, key)).toBe(false);
  });

  it('bounds the commands waiting on a stalled Redis: the rest are refused at once', async () => {
    // A long socketTimeout: no ping (every socketTimeout / 5) takes one of the five places.
    const s = store({ url: slow.url, maxPendingCommands: 5, socketTimeout: 60_000 });
    expect(await s.ready()).toBe(true);
    const { resumed } = await stall(1);
    const started = Date.now();
    const outcomes = await Promise.allSettled(Array.from({ length: 20 }, () => s.consume(randomUUID(), use())));
    await resumed;
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(5);
    const refused = outcomes.filter((o) => o.status === 'rejected');
    expect(refused).toHaveLength(15);
    expect(String((refused[0] as PromiseRejectedResult).reason)).toMatch(/queue is full/);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('undos kept while the queue was full do not fill it again when Redis answers: the next use is served', async () => {
    const s = store({ url: slow.url, maxPendingCommands: 6, socketTimeout: 60_000 });
    expect(await s.ready()).toBe(true);
    const { resumed } = await stall(1);
    const waiting = Array.from({ length: 6 }, () => s.consume(randomUUID(), use()));
    // The queue is full: these undos cannot be sent now and are kept for later.
    for (let i = 0; i < 20; i++) await s.release(randomUUID(), randomUUID());
    expect(s.pendingReleases).toBe(20);
    await resumed;
    await Promise.all(waiting);
    // Redis answers again; the kept undos are being delivered, and a use arriving now still fits.
    expect((await s.consume(randomUUID(), use())).first).toBe(true);
    await eventually(async () => {
      await s.consume(randomUUID(), use()); // each answered use delivers more of them
      return s.pendingReleases === 0;
    }, 5000);
  });

  it('an undo that cannot be sent (connection lost) is delivered once Redis answers again', async () => {
    const s = store({ url: slow.url });
    expect(await s.ready()).toBe(true);
    const key = randomUUID();
    const recorded = use();
    expect((await s.consume(key, recorded)).first).toBe(true);
    // Drop the store's connection (Redis keeps its data): the undo finds no connection.
    await admin.sendCommand(['CLIENT', 'KILL', 'SKIPME', 'yes', 'TYPE', 'normal']);
    await s.release(key, recorded.attempt);
    await eventually(async () => (await admin.get(`actiongate:jti:${key}`)) === null, 5000);
    expect(s.pendingReleases).toBe(0);
    await eventually(() => first(s, key), 5000);
  });
});

describe('RedisReplayStore against a socket that accepts and never answers', () => {
  it('ready() settles false within readyTimeout, and uses are refused at once, never held', async () => {
    const silent = await startSilentServer();
    onTestFinished(() => silent.close());
    const s = store({ url: silent.url, readyTimeout: 1500 });
    const started = Date.now();
    expect(await s.ready()).toBe(false);
    const waited = Date.now() - started;
    expect(waited).toBeGreaterThanOrEqual(1000);
    expect(waited).toBeLessThan(4000);
    expect(silent.accepted()).toBeGreaterThanOrEqual(1); // connected, stuck in the handshake
    const refusedAt = Date.now();
    await expect(s.consume(randomUUID(), use())).rejects.toThrow(/offline/i);
    await expect(s.release(randomUUID(), randomUUID())).resolves.toBeUndefined(); // kept for later
    expect(s.pendingReleases).toBe(1);
    expect(Date.now() - refusedAt).toBeLessThan(1000);
  });

  it('drops the silent connection after socketTimeout and tries again', async () => {
    const silent = await startSilentServer();
    onTestFinished(() => silent.close());
    const s = store({ url: silent.url, readyTimeout: 200, socketTimeout: 300 });
    await s.ready();
    await eventually(async () => silent.accepted() >= 2, 5000);
  });
});

describe('RedisReplayStore against a Redis that answers SET with something else than OK or nil', () => {
  // Only `OK` (recorded) and nil (NX: already there) are answers to `SET NX`; anything else is a
  // broken Redis or proxy. It must be a 503 (and the use undone), never an allow, and never a
  // "replayed" that makes the client throw away a token nobody used.
  for (const [name, reply] of [
    ['an integer', ':1\r\n'],
    ['an empty array', '*0\r\n'],
    ['a bulk string other than OK', '$2\r\nNO\r\n'],
    ['QUEUED', '+QUEUED\r\n'],
  ] as const) {
    it(`${name} is refused as unavailable, not as a replay`, async () => {
      const liar = await startLyingRedis(reply);
      onTestFinished(() => liar.close());
      const s = store({ url: liar.url, readyTimeout: 3000 });
      expect(await s.ready()).toBe(true);
      await expect(s.consume(randomUUID(), use())).rejects.toThrow(/unexpected reply/i);
    });
  }

  it('a connection closed in the middle of the reply is refused, never an allow', async () => {
    const liar = await startLyingRedis('+O', true);
    onTestFinished(() => liar.close());
    const s = store({ url: liar.url, readyTimeout: 3000 });
    expect(await s.ready()).toBe(true);
    await expect(s.consume(randomUUID(), use())).rejects.toThrow();
  });
});
