import { describe, expect, it } from 'vitest';
import { ConfigurationError, ReplayStoreUnavailableError } from '../errors.js';
import { MemoryReplayStore } from './memory.js';

const START = 1_700_000_000_000; // a whole second, like every expiry the gate asks for
const jti = (i: number) => `dpop:${'k'.repeat(43)}:${i.toString(36).padStart(22, '_')}`;

function clockedStore(options: { maxEntries?: number; maxBytes?: number } = {}) {
  const clock = { now: START };
  const store = new MemoryReplayStore({ ...options, now: () => clock.now });
  return { clock, store };
}

describe('MemoryReplayStore under a flood of distinct proofs', () => {
  it('keeps every unexpired jti when full, refuses new ones with 503, and never lets a replay through', async () => {
    const { clock, store } = clockedStore({ maxEntries: 2000 });
    for (let i = 0; i < 2000; i++) {
      clock.now = START + i; // a steady flood, each proof live for 301 s
      expect((await store.consume(jti(i), { expiresAt: START + 301_000, attempt: `a${i}` })).first).toBe(true);
    }
    await expect(store.consume(jti(2000), { expiresAt: START + 301_000, attempt: 'x' })).rejects.toBeInstanceOf(
      ReplayStoreUnavailableError,
    );
    for (let i = 0; i < 2000; i++) {
      expect((await store.consume(jti(i), { expiresAt: START + 301_000, attempt: `r${i}` })).first).toBe(false);
    }
    expect(store.size).toBe(2000);
  });

  it('makes room from the expired proofs only, at their exact expiry', async () => {
    const { clock, store } = clockedStore({ maxEntries: 1000 });
    // Two expiry groups: 500 proofs expiring at +300 s, 500 at +301 s.
    for (let i = 0; i < 1000; i++) {
      await store.consume(jti(i), { expiresAt: START + (i < 500 ? 300_000 : 301_000), attempt: `a${i}` });
    }
    clock.now = START + 300_000 - 1;
    await expect(store.consume(jti(1000), { expiresAt: START + 601_000, attempt: 'x' })).rejects.toThrow(/full/);
    clock.now = START + 300_000;
    for (let i = 1000; i < 1500; i++) {
      expect((await store.consume(jti(i), { expiresAt: START + 601_000, attempt: `a${i}` })).first).toBe(true);
    }
    await expect(store.consume(jti(1500), { expiresAt: START + 601_000, attempt: 'x' })).rejects.toThrow(/full/);
    // The later group is still live: every replay of it refused.
    for (let i = 500; i < 1000; i++) {
      expect((await store.consume(jti(i), { expiresAt: START + 301_000, attempt: 'r' })).first).toBe(false);
    }
  });

  it('is bounded by estimated bytes too: long keys fill it sooner, with 503 rather than eviction', async () => {
    const { store } = clockedStore({ maxBytes: 64 * 1024 });
    const long = (i: number) => `dpop:${'k'.repeat(43)}:${String(i).padStart(4000, 'j')}`;
    let accepted = 0;
    for (let i = 0; i < 100; i++) {
      try {
        await store.consume(long(i), { expiresAt: START + 301_000, attempt: crypto.randomUUID() });
        accepted++;
      } catch (error) {
        expect(error).toBeInstanceOf(ReplayStoreUnavailableError);
      }
    }
    expect(accepted).toBeGreaterThan(10);
    expect(accepted).toBeLessThan(16); // 64 KiB of 4 KB keys
    expect(store.bytes).toBeLessThanOrEqual(64 * 1024);
    for (let i = 0; i < accepted; i++) {
      expect((await store.consume(long(i), { expiresAt: START + 301_000, attempt: 'r' })).first).toBe(false);
    }
  });
});

describe('MemoryReplayStore at the expiry boundary', () => {
  it('refuses a replay up to the last millisecond before expiresAt, and accepts the key from expiresAt on', async () => {
    const { clock, store } = clockedStore();
    const expiresAt = START + 301_000;
    expect((await store.consume('k', { expiresAt, attempt: 'a' })).first).toBe(true);
    clock.now = expiresAt - 1;
    expect((await store.consume('k', { expiresAt, attempt: 'b' })).first).toBe(false);
    clock.now = expiresAt;
    expect((await store.consume('k', { expiresAt: expiresAt + 301_000, attempt: 'c' })).first).toBe(true);
    expect((await store.consume('k', { expiresAt: expiresAt + 301_000, attempt: 'd' })).first).toBe(false);
  });

  it('holds an expiry that is not a whole second, or not a number, at least that long', async () => {
    const { clock, store } = clockedStore();
    await store.consume('odd', { expiresAt: START + 1_500, attempt: 'a' });
    await store.consume('nan', { expiresAt: Number.NaN, attempt: 'a' });
    clock.now = START + 1_499;
    expect((await store.consume('odd', { expiresAt: START + 1_500, attempt: 'b' })).first).toBe(false);
    clock.now = START + 1_500;
    expect((await store.consume('odd', { expiresAt: START + 9_000, attempt: 'c' })).first).toBe(true);
    clock.now = START + 10 * 365 * 86_400_000;
    expect((await store.consume('nan', { expiresAt: Number.NaN, attempt: 'b' })).first).toBe(false);
  });
});

describe('MemoryReplayStore with a clock that goes backwards', () => {
  it('still refuses replays after the clock steps back, and expires nothing early', async () => {
    const { clock, store } = clockedStore({ maxEntries: 3 });
    await store.consume('a', { expiresAt: START + 301_000, attempt: 'a' });
    clock.now = START - 3_600_000; // an hour back
    expect((await store.consume('a', { expiresAt: START + 301_000, attempt: 'r' })).first).toBe(false);
    await store.consume('b', { expiresAt: clock.now + 301_000, attempt: 'b' });
    await store.consume('c', { expiresAt: START + 301_000, attempt: 'c' });
    await expect(store.consume('d', { expiresAt: START, attempt: 'd' })).rejects.toThrow(/full/);
    clock.now = START + 300_999; // forward again: only b has expired
    expect((await store.consume('a', { expiresAt: START + 301_000, attempt: 'r' })).first).toBe(false);
    expect((await store.consume('c', { expiresAt: START + 301_000, attempt: 'r' })).first).toBe(false);
    expect((await store.consume('d', { expiresAt: START + 601_000, attempt: 'd' })).first).toBe(true);
  });

  it('remembers an expired jti while there is room, so a clock stepped forward and back again finds it', async () => {
    const { clock, store } = clockedStore();
    await store.consume('a', { expiresAt: START + 301_000, attempt: 'a' });
    clock.now = START + 302_000; // a step forward: a is expired, and other traffic comes in
    await store.consume('other', { expiresAt: clock.now + 301_000, attempt: 'o' });
    clock.now = START + 1_000; // and back, within a minute of a's expiry
    expect((await store.consume('a', { expiresAt: START + 301_000, attempt: 'r' })).first).toBe(false);
  });
});

describe('MemoryReplayStore release', () => {
  it('undoes exactly the attempt that recorded the key, also after the key was recorded again', async () => {
    const { clock, store } = clockedStore();
    const use = (attempt: string) => ({ expiresAt: START + 601_000, attempt });
    expect((await store.consume('k', use('first'))).first).toBe(true);
    await store.release('k', 'first');
    expect((await store.consume('k', use('second'))).first).toBe(true);
    await store.release('k', 'first'); // a stale, repeated undo
    expect((await store.consume('k', use('replay'))).first).toBe(false);
    // The first attempt's slot expires with its group; the second record stays with its own.
    clock.now = START + 200_000;
    await store.consume('k2', { expiresAt: START + 250_000, attempt: 'x' });
    clock.now = START + 250_000 + 61_000;
    expect((await store.consume('k2', use('y'))).first).toBe(true);
    expect((await store.consume('k', use('replay'))).first).toBe(false);
  });
});

describe('MemoryReplayStore budgets', () => {
  it('counts a budget up to max, counts against the byte budget, and goes with its expiry', async () => {
    const { clock, store } = clockedStore();
    const spend = (attempt: string) =>
      store.spend('b', { expiresAt: START + 10_000, attempt, max: 2, within: undefined, now: clock.now });
    expect(await spend('1')).toEqual({ allowed: true, used: 1 });
    const held = store.bytes;
    expect(await spend('2')).toEqual({ allowed: true, used: 2 });
    expect(store.bytes).toBeGreaterThan(held);
    expect(await spend('3')).toEqual({ allowed: false, used: 2 });
    clock.now = START + 10_000;
    expect(await spend('4')).toEqual({ allowed: true, used: 1 });
  });
});

describe('MemoryReplayStore options', () => {
  it.each([0, -1, 1.5, Number.NaN, '10'])('refuses %s as maxEntries and as maxBytes at start-up', (bad) => {
    expect(() => new MemoryReplayStore({ maxEntries: bad as number })).toThrow(ConfigurationError);
    expect(() => new MemoryReplayStore({ maxBytes: bad as number })).toThrow(ConfigurationError);
  });
});
