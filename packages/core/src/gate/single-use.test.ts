import { beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestIssuer, type TestIssuer, testGate } from '../../test/tokens.js';
import { defineActions } from '../actions/index.js';
import { MemoryReplayStore } from '../replay/memory.js';
import type { ReplayStore, ReplayUse } from '../replay/types.js';

const actions = defineActions({
  refund: { scopes: ['payments:refund'], singleUse: true },
  read: { scopes: ['payments:refund'] },
});
let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await createTestIssuer();
});

const mint = (claims = {}) => issuer.mint({ scope: 'payments:refund', ...claims });

/** A store that records the expiry it is given and always answers "first use". */
function recordingStore() {
  const consumed: number[] = [];
  const store: ReplayStore = {
    consume: async (_key, use) => {
      consumed.push(use.expiresAt);
      return { first: true };
    },
    release: async () => {},
  };
  return { store, consumed };
}

/**
 * A store reached over one slow, ordered link, as Redis is over one connection: every
 * operation is delivered `delayMs` after the previous one, in the order it was sent.
 */
function slowLink(inner: ReplayStore, initialDelayMs: number) {
  let tail: Promise<unknown> = Promise.resolve();
  const link = { delayMs: initialDelayMs };
  const send = <T>(operation: () => Promise<T>): Promise<T> => {
    const delayMs = link.delayMs;
    const delivered = tail.then(() => new Promise((resolve) => setTimeout(resolve, delayMs))).then(operation);
    tail = delivered.catch(() => {});
    return delivered;
  };
  const store: ReplayStore = {
    consume: (key, use) => send(() => inner.consume(key, use)),
    release: (key, attempt) => send(() => inner.release(key, attempt)),
  };
  return Object.assign(link, { store, drained: () => tail });
}

describe('single use', () => {
  it('allows the first use and answers a replay with 401 invalid_token', async () => {
    const gate = testGate(issuer, actions);
    const token = await mint();
    expect((await gate.decide('refund', bearer(token))).allow).toBe(true);
    const replay = await gate.decide('refund', bearer(token));
    if (replay.allow) throw new Error('replay allowed');
    expect(replay.status).toBe(401);
    expect(replay.code).toBe('token_replayed');
    expect(replay.headers['www-authenticate']).toBe(
      'Bearer realm="test", error="invalid_token", resource_metadata="https://api.test/.well-known/oauth-protected-resource", error_description="The access token was already used"',
    );
  });

  it('records the jti only when the request is otherwise allowed', async () => {
    const gate = testGate(issuer, actions);
    const jti = 'same-jti';
    const weak = await issuer.mint({ scope: 'other', jti });
    expect((await gate.decide('refund', bearer(weak))).allow).toBe(false);
    expect((await gate.decide('refund', bearer(await mint({ jti })))).allow).toBe(true);
  });

  it('does not consume tokens on actions that are not single use', async () => {
    const gate = testGate(issuer, actions);
    const token = await mint();
    expect((await gate.decide('read', bearer(token))).allow).toBe(true);
    expect((await gate.decide('read', bearer(token))).allow).toBe(true);
    expect((await gate.decide('refund', bearer(token))).allow).toBe(true);
  });

  it('refuses a single-use token without jti as invalid', async () => {
    const gate = testGate(issuer, actions, { requiredClaims: ['iss', 'exp', 'aud', 'sub'] });
    const decision = await gate.decide('refund', bearer(await mint({ jti: undefined })));
    expect(decision.allow ? undefined : decision.code).toBe('token_claims');
  });

  it('keeps a jti until exp plus the clock tolerance', async () => {
    const { store, consumed } = recordingStore();
    const exp = Math.floor(Date.now() / 1000) + 120;
    await testGate(issuer, actions, { replayStore: store }).decide('refund', bearer(await mint({ exp })));
    expect(consumed).toEqual([(exp + 60) * 1000]);
  });

  it('fails closed with 503 and Retry-After when the store fails', async () => {
    const store: ReplayStore = { consume: () => Promise.reject(new Error('ECONNREFUSED')), release: async () => {} };
    const decision = await testGate(issuer, actions, { replayStore: store }).decide('refund', bearer(await mint()));
    if (decision.allow) throw new Error('allowed');
    expect(decision.status).toBe(503);
    expect(decision.code).toBe('replay_store_unavailable');
    expect(decision.headers).toEqual({ 'retry-after': '5' });
  });

  it('fails closed with 503 within the timeout when the store hangs', async () => {
    const store: ReplayStore = { consume: () => new Promise(() => {}), release: async () => {} };
    const gate = testGate(issuer, actions, { replayStore: store, replayTimeout: 200 });
    const started = Date.now();
    const decision = await gate.decide('refund', bearer(await mint()));
    expect(decision.allow ? 200 : decision.status).toBe(503);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});

describe('single use when the store answers late or fails: the use is undone', () => {
  it('a use the store records after the timeout is released, so the retry succeeds', async () => {
    const link = slowLink(new MemoryReplayStore(), 300);
    const gate = testGate(issuer, actions, { replayStore: link.store, replayTimeout: 100 });
    const token = await mint();
    const refused = await gate.decide('refund', bearer(token));
    expect(refused.allow ? 200 : refused.status).toBe(503);
    await link.drained(); // the late consume, then the undo, have reached the store
    link.delayMs = 0; // the store is healthy again
    expect((await gate.decide('refund', bearer(token))).allow).toBe(true);
    const replay = await gate.decide('refund', bearer(token));
    expect(replay.allow ? undefined : replay.code).toBe('token_replayed');
  });

  it('stays exact when answers straddle the timeout: one allow at most, and a token is never lost', async () => {
    // One ordered link with a random latency per operation (0-200 ms) against a 100 ms timeout:
    // some uses are answered in time, some too late (and undone), as over one TCP connection.
    const inner = new MemoryReplayStore();
    let deliveredAt = 0;
    let last: Promise<unknown> = Promise.resolve();
    const send = <T>(operation: () => Promise<T>): Promise<T> => {
      deliveredAt = Math.max(deliveredAt, Date.now() + Math.random() * 200);
      const wait = deliveredAt - Date.now();
      const done = new Promise((resolve) => setTimeout(resolve, wait)).then(operation);
      last = done.catch(() => {});
      return done;
    };
    const store: ReplayStore = {
      consume: (key, use) => send(() => inner.consume(key, use)),
      release: (key, attempt) => send(() => inner.release(key, attempt)),
    };
    const gate = testGate(issuer, actions, { replayStore: store, replayTimeout: 100 });
    for (let round = 0; round < 5; round++) {
      const token = await mint();
      const decisions = await Promise.all(Array.from({ length: 50 }, () => gate.decide('refund', bearer(token))));
      const allowed = decisions.filter((d) => d.allow).length;
      const statuses = decisions.map((d) => (d.allow ? 200 : d.status));
      expect(allowed).toBeLessThanOrEqual(1);
      expect(statuses.every((status) => [200, 401, 503].includes(status))).toBe(true);
      await last; // every late answer and every undo has reached the store
      deliveredAt = 0;
      const fast: ReplayStore = { consume: (k, u) => inner.consume(k, u), release: (k, a) => inner.release(k, a) };
      const retry = await testGate(issuer, actions, { replayStore: fast }).decide('refund', bearer(token));
      // Allowed exactly once over both: if no attempt was allowed, the token is still usable.
      expect(retry.allow).toBe(allowed === 0);
    }
  });

  it('a consume that fails is released with the same attempt id; each attempt has its own', async () => {
    const consumed: ReplayUse[] = [];
    const released: [string, string][] = [];
    const store: ReplayStore = {
      consume: async (_key, use) => {
        consumed.push(use);
        throw new Error('connection lost after the command was sent');
      },
      release: async (key, attempt) => {
        released.push([key, attempt]);
      },
    };
    const gate = testGate(issuer, actions, { replayStore: store });
    const token = await mint();
    for (let i = 0; i < 2; i++) {
      const decision = await gate.decide('refund', bearer(token));
      expect(decision.allow ? 200 : decision.status).toBe(503);
    }
    expect(consumed).toHaveLength(2);
    expect(consumed[0]?.attempt).not.toBe(consumed[1]?.attempt);
    expect(consumed[0]?.attempt).toMatch(/^[0-9a-f-]{36}$/);
    expect(released.map(([, attempt]) => attempt)).toEqual(consumed.map((use) => use.attempt));
    expect(released[0]?.[0]).toMatch(/^[0-9a-f]{64}$/);
  });

  it('an allowed use and a replay are never released', async () => {
    const released: string[] = [];
    const inner = new MemoryReplayStore();
    const store: ReplayStore = {
      consume: (key, use) => inner.consume(key, use),
      release: async (_key, attempt) => {
        released.push(attempt);
      },
    };
    const gate = testGate(issuer, actions, { replayStore: store });
    const token = await mint();
    expect((await gate.decide('refund', bearer(token))).allow).toBe(true);
    expect((await gate.decide('refund', bearer(token))).allow).toBe(false);
    expect(released).toEqual([]);
  });

  it('a release that throws or rejects leaves the answer a 503', async () => {
    const failing = () => Promise.reject(new Error('down'));
    for (const release of [failing, () => Promise.reject(new Error('still down'))]) {
      const store: ReplayStore = { consume: failing, release };
      const decision = await testGate(issuer, actions, { replayStore: store }).decide('refund', bearer(await mint()));
      expect(decision.allow ? 200 : decision.status).toBe(503);
    }
    const throwing = {
      consume: failing,
      release: () => {
        throw new Error('sync');
      },
    } as unknown as ReplayStore;
    const decision = await testGate(issuer, actions, { replayStore: throwing }).decide('refund', bearer(await mint()));
    expect(decision.allow ? 200 : decision.status).toBe(503);
  });

  it('refuses at start-up a store without release (the interface before undo existed)', () => {
    const old = { consume: async () => true } as unknown as ReplayStore;
    expect(() => testGate(issuer, actions, { replayStore: old })).toThrow(/replayStore.*release\(key, attempt\)/);
  });
});

describe('MemoryReplayStore', () => {
  it('refuses with 503 when full of unexpired entries, rather than evicting one', async () => {
    const store = new MemoryReplayStore({ maxEntries: 2 });
    const gate = testGate(issuer, actions, { replayStore: store });
    const first = await mint();
    expect((await gate.decide('refund', bearer(first))).allow).toBe(true);
    expect((await gate.decide('refund', bearer(await mint()))).allow).toBe(true);
    const third = await gate.decide('refund', bearer(await mint()));
    expect(third.allow ? 200 : third.status).toBe(503);
    const replay = await gate.decide('refund', bearer(first));
    expect(replay.allow ? undefined : replay.code).toBe('token_replayed');
  });

  it('sweeps expired entries to make room', async () => {
    let now = 1_000_000;
    const store = new MemoryReplayStore({ maxEntries: 2, now: () => now });
    const use = (attempt: string) => ({ expiresAt: now + 10, attempt });
    expect(await store.consume('a', use('1'))).toEqual({ first: true });
    expect(await store.consume('b', use('2'))).toEqual({ first: true });
    await expect(store.consume('c', use('3'))).rejects.toThrow(/full/);
    now += 11;
    expect(await store.consume('c', use('4'))).toEqual({ first: true });
    expect(await store.consume('a', use('5'))).toEqual({ first: true });
    expect(store.size).toBe(2);
  });

  it('answers a replay of an unexpired key with first: false', async () => {
    const store = new MemoryReplayStore();
    expect(await store.consume('k', { expiresAt: Date.now() + 1000, attempt: 'a' })).toEqual({ first: true });
    expect(await store.consume('k', { expiresAt: Date.now() + 1000, attempt: 'b' })).toEqual({ first: false });
  });

  it('releases only the attempt that recorded the key', async () => {
    const store = new MemoryReplayStore();
    const use = (attempt: string) => ({ expiresAt: Date.now() + 60_000, attempt });
    expect((await store.consume('k', use('winner'))).first).toBe(true);
    await store.release('k', 'loser'); // a replay's attempt, or a stale undo: no effect
    expect((await store.consume('k', use('again'))).first).toBe(false);
    await store.release('k', 'winner');
    expect(store.size).toBe(0);
    expect((await store.consume('k', use('retry'))).first).toBe(true);
    await store.release('unknown', 'winner'); // nothing recorded: nothing happens
    expect(store.size).toBe(1);
  });
});

describe('single use with an absurd exp', () => {
  it('remembers the jti until the largest date a store can express', async () => {
    const { store, consumed } = recordingStore();
    const gate = testGate(issuer, actions, { replayStore: store });
    expect((await gate.decide('refund', bearer(await mint({ exp: 1e300 })))).allow).toBe(true);
    expect(consumed).toEqual([8.64e15]);
  });
});

describe('single use of a token without exp (an issuer whose requiredClaims leave exp out)', () => {
  const noExp = { requiredClaims: ['iss', 'aud', 'sub', 'jti'] };

  it('is remembered for good in the in-memory store: its replay is refused', async () => {
    const gate = testGate(issuer, actions, { ...noExp, replayStore: new MemoryReplayStore() });
    const token = await mint({ exp: undefined });
    expect((await gate.decide('refund', bearer(token))).allow).toBe(true);
    const replay = await gate.decide('refund', bearer(token));
    expect(replay.allow ? 'allowed' : replay.code).toBe('token_replayed');
  });

  it('asks any store to keep it until the largest date a store can express', async () => {
    const { store, consumed } = recordingStore();
    const gate = testGate(issuer, actions, { ...noExp, replayStore: store });
    expect((await gate.decide('refund', bearer(await mint({ exp: undefined })))).allow).toBe(true);
    expect(consumed).toEqual([8.64e15]);
  });
});
