import { beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestIssuer, type TestIssuer, testGate } from '../../test/tokens.js';
import { defineActions } from '../actions/index.js';
import { MemoryReplayStore } from '../replay/memory.js';
import type { ReplayStore } from '../replay/types.js';

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
    consume: async (_key, expiresAt) => {
      consumed.push(expiresAt);
      return true;
    },
  };
  return { store, consumed };
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
    const store: ReplayStore = { consume: () => Promise.reject(new Error('ECONNREFUSED')) };
    const decision = await testGate(issuer, actions, { replayStore: store }).decide('refund', bearer(await mint()));
    if (decision.allow) throw new Error('allowed');
    expect(decision.status).toBe(503);
    expect(decision.code).toBe('replay_store_unavailable');
    expect(decision.headers).toEqual({ 'retry-after': '5' });
  });

  it('fails closed with 503 within the timeout when the store hangs', async () => {
    const store: ReplayStore = { consume: () => new Promise(() => {}) };
    const gate = testGate(issuer, actions, { replayStore: store, replayTimeout: 200 });
    const started = Date.now();
    const decision = await gate.decide('refund', bearer(await mint()));
    expect(decision.allow ? 200 : decision.status).toBe(503);
    expect(Date.now() - started).toBeLessThan(1000);
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
    expect(await store.consume('a', now + 10)).toBe(true);
    expect(await store.consume('b', now + 10)).toBe(true);
    await expect(store.consume('c', now + 10)).rejects.toThrow(/full/);
    now += 11;
    expect(await store.consume('c', now + 10)).toBe(true);
    expect(await store.consume('a', now + 10)).toBe(true);
    expect(store.size).toBe(2);
  });

  it('answers a replay of an unexpired key with false', async () => {
    const store = new MemoryReplayStore();
    expect(await store.consume('k', Date.now() + 1000)).toBe(true);
    expect(await store.consume('k', Date.now() + 1000)).toBe(false);
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
