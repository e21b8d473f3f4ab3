import { beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestIssuer, type TestIssuer, testGate } from '../../test/tokens.js';
import { defineActions } from '../actions/index.js';
import { TokenRejectedError } from '../errors.js';
import { MemoryRevocationStore } from '../revocation/memory.js';
import { withTokenCache } from './cache.js';
import type { AccessTokenClaims, VerifiedToken, Verifier } from './index.js';

const NOW = 1_800_000_000_000;
const seconds = NOW / 1000;

/** A stand-in for signature verification that counts its calls and, like jose, checks exp. */
function countingVerifier(exp = seconds + 300, clock: () => number = () => NOW) {
  const calls: string[] = [];
  const verify: Verifier = async (token) => {
    calls.push(token);
    if (token.startsWith('bad')) throw new TokenRejectedError('token_signature');
    if (exp <= clock() / 1000 - 60) throw new TokenRejectedError('token_expired');
    const claims = { iss: 'i', exp, iat: seconds, sub: token } as AccessTokenClaims;
    return { claims, issuer: 'i', scopes: new Set(['a']) } satisfies VerifiedToken;
  };
  return { verify, calls };
}

const options = { ttl: 60, maxEntries: 100, maxBytes: 1024 * 1024 };

describe('the verified-token cache', () => {
  it('verifies a token once, then serves it from the cache', async () => {
    const { verify, calls } = countingVerifier();
    const cached = withTokenCache(verify, options, () => NOW, 60);
    await cached('t1');
    await cached('t1');
    expect(calls).toEqual(['t1']);
  });

  it('still refuses a token once it expires', async () => {
    let now = NOW;
    const { verify } = countingVerifier(seconds + 10, () => now);
    const cached = withTokenCache(verify, { ...options, ttl: 3600 }, () => now, 60);
    expect((await cached('t1')).claims.sub).toBe('t1');
    now = NOW + 69_000; // exp + 59 s: within the tolerance
    expect((await cached('t1')).claims.sub).toBe('t1');
    now = NOW + 70_000; // exp + 60 s
    await expect((async () => cached('t1'))()).rejects.toMatchObject({ reason: 'token_expired' });
  });

  it('checks the clock on every hit: a cached token whose nbf is ahead is refused', async () => {
    let now = NOW;
    const verify: Verifier = async () => ({
      claims: { iss: 'i', exp: seconds + 300, nbf: seconds + 30 } as AccessTokenClaims,
      issuer: 'i',
      scopes: new Set<string>(),
    });
    const cached = withTokenCache(verify, options, () => now, 60);
    await cached('t1'); // within the tolerance
    now = NOW - 40_000; // the clock stepped back: nbf is now 70 s ahead
    await expect((async () => cached('t1'))()).rejects.toMatchObject({ reason: 'token_not_yet_valid' });
  });

  it('never caches a failure', async () => {
    const { verify, calls } = countingVerifier();
    const cached = withTokenCache(verify, options, () => NOW, 60);
    await expect((async () => cached('bad1'))()).rejects.toBeInstanceOf(TokenRejectedError);
    await expect((async () => cached('bad1'))()).rejects.toBeInstanceOf(TokenRejectedError);
    expect(calls).toEqual(['bad1', 'bad1']);
  });

  it('holds its entry cap under a spray of distinct tokens', async () => {
    const { verify, calls } = countingVerifier();
    const cached = withTokenCache(verify, { ...options, maxEntries: 100 }, () => NOW, 60);
    for (let i = 0; i < 1000; i++) await cached(`t${i}`);
    await cached('t999'); // recent: still cached
    await cached('t0'); // long evicted: verified again
    expect(calls.filter((token) => token === 't999')).toHaveLength(1);
    expect(calls.filter((token) => token === 't0')).toHaveLength(2);
  });

  it('holds its byte cap', async () => {
    const { verify, calls } = countingVerifier();
    // Each entry is a few hundred bytes: 4 KiB holds only a handful.
    const cached = withTokenCache(verify, { ...options, maxBytes: 4096 }, () => NOW, 60);
    for (let i = 0; i < 50; i++) await cached(`token-${i}`);
    await cached('token-0');
    expect(calls.filter((token) => token === 'token-0')).toHaveLength(2);
  });

  it('keeps an entry no longer than ttl, on the gate’s clock', async () => {
    let now = NOW;
    const { verify, calls } = countingVerifier();
    const cached = withTokenCache(verify, { ...options, ttl: 60 }, () => now, 60);
    await cached('t1');
    now = NOW + 59_999;
    await cached('t1');
    expect(calls).toEqual(['t1']);
    now = NOW + 60_000;
    await cached('t1');
    expect(calls).toEqual(['t1', 't1']);
  });

  it('keeps an entry no longer than exp, even within ttl', async () => {
    let now = NOW;
    const { verify, calls } = countingVerifier(seconds + 5, () => now);
    const cached = withTokenCache(verify, { ...options, ttl: 3600 }, () => now, 60);
    await cached('t1');
    now = NOW + 5_000; // at exp: no longer served from the cache, verified again (and still within tolerance)
    await cached('t1');
    expect(calls).toEqual(['t1', 't1']);
  });
});

describe('the cache key: a suffix of the token, the whole token compared', () => {
  // Longer than the key: every pair below shares the key and differs before it.
  const SHARED = 'S'.repeat(40);

  it('refuses a forged token that shares a cached token’s suffix, and keeps serving the cached one', async () => {
    const { verify, calls } = countingVerifier();
    const cached = withTokenCache(verify, options, () => NOW, 60);
    expect((await cached(`good.${SHARED}`)).claims.sub).toBe(`good.${SHARED}`);
    await expect((async () => cached(`bad.${SHARED}`))()).rejects.toBeInstanceOf(TokenRejectedError);
    await expect((async () => cached(`bad.${SHARED}`))()).rejects.toBeInstanceOf(TokenRejectedError);
    // The forgery was verified (and refused) each time; the rightful entry was never displaced.
    expect((await cached(`good.${SHARED}`)).claims.sub).toBe(`good.${SHARED}`);
    expect(calls).toEqual([`good.${SHARED}`, `bad.${SHARED}`, `bad.${SHARED}`]);
    expect(cached.knows(`good.${SHARED}`)).toBe(true);
    expect(cached.knows(`bad.${SHARED}`)).toBe(false);
  });

  it('answers a colliding valid token with its own claims, never the cached neighbour’s', async () => {
    const { verify, calls } = countingVerifier();
    const cached = withTokenCache(verify, options, () => NOW, 60);
    await cached(`alice.${SHARED}`);
    expect((await cached(`mallory.${SHARED}`)).claims.sub).toBe(`mallory.${SHARED}`);
    expect((await cached(`mallory.${SHARED}`)).claims.sub).toBe(`mallory.${SHARED}`);
    // Displaced: Alice's token is verified again, which is all an eviction costs.
    expect((await cached(`alice.${SHARED}`)).claims.sub).toBe(`alice.${SHARED}`);
    expect(calls).toEqual([`alice.${SHARED}`, `mallory.${SHARED}`, `alice.${SHARED}`]);
  });

  it('never deletes the entry a token collides with, stale or not', async () => {
    let now = NOW;
    const { verify, calls } = countingVerifier(seconds + 10, () => now);
    const cached = withTokenCache(verify, { ...options, ttl: 3600 }, () => now, 60);
    await cached(`good.${SHARED}`);
    now = NOW + 10_000; // at exp: the entry is stale
    await expect((async () => cached(`bad.${SHARED}`))()).rejects.toBeInstanceOf(TokenRejectedError);
    expect(cached.knows(`good.${SHARED}`)).toBe(true);
    expect(calls).toEqual([`good.${SHARED}`, `bad.${SHARED}`]);
  });

  it('answers from the entry knows() found only for that very token, and a displacement in between is harmless', async () => {
    const { verify, calls } = countingVerifier();
    const cached = withTokenCache(verify, options, () => NOW, 60);
    await cached(`alice.${SHARED}`);
    // As with a DPoP proof awaited between extraction and verification: another request's
    // verification under the same key lands after knows() vouched for Alice's entry.
    const pending = cached(`mallory.${SHARED}`);
    expect(cached.knows(`alice.${SHARED}`)).toBe(true);
    expect((await pending).claims.sub).toBe(`mallory.${SHARED}`);
    expect(cached.knows(`alice.${SHARED}`)).toBe(false); // displaced by Mallory's entry
    expect(cached.knows(`mallory.${SHARED}`)).toBe(true);
    // A hint is never another token's answer.
    expect((await cached(`bob.${SHARED}`)).claims.sub).toBe(`bob.${SHARED}`);
    expect(calls).toEqual([`alice.${SHARED}`, `mallory.${SHARED}`, `bob.${SHARED}`]);
  });

  it('treats a token shorter than the key like any other', async () => {
    const { verify, calls } = countingVerifier();
    const cached = withTokenCache(verify, options, () => NOW, 60);
    await cached('t1');
    await cached('t1');
    await cached('xt1');
    expect(calls).toEqual(['t1', 'xt1']);
    expect(cached.knows('1')).toBe(false);
  });

  it('knows only tokens that pass the RFC 6750 b64token syntax, whatever the verifier accepted', async () => {
    const { verify } = countingVerifier();
    const cached = withTokenCache(verify, options, () => NOW, 60);
    await cached('not b64token');
    await cached('fine.b64token');
    expect(cached.knows('not b64token')).toBe(false);
    expect(cached.knows('fine.b64token')).toBe(true);
  });
});

describe('the gate with the cache', () => {
  let issuer: TestIssuer;
  beforeAll(async () => {
    issuer = await createTestIssuer(() => NOW);
  });
  const actions = defineActions({
    read: { scopes: ['invoices:read'] },
    delete: { scopes: ['invoices:read'], maxTokenAge: 300 },
    refund: { scopes: ['invoices:read'], singleUse: true },
  });

  it('still runs every per-request check on a cached token', async () => {
    let now = NOW;
    const gate = testGate(issuer, actions, { now: () => now });
    const token = await issuer.mint({ scope: 'invoices:read', exp: seconds + 3600 });
    expect((await gate.decide('delete', bearer(token))).allow).toBe(true);
    now = NOW + 301_000;
    const stale = await gate.decide('delete', bearer(token));
    expect(stale.allow ? undefined : stale.code).toBe('token_not_fresh');
    expect((await gate.decide('refund', bearer(token))).allow).toBe(true);
    const replay = await gate.decide('refund', bearer(token));
    expect(replay.allow ? undefined : replay.code).toBe('token_replayed');
  });

  it('decides exactly as without it', async () => {
    const on = testGate(issuer, actions, { now: () => NOW });
    const off = testGate(issuer, actions, { now: () => NOW, tokenCache: false });
    const tokens = [
      await issuer.mint({ scope: 'invoices:read' }),
      await issuer.mint({ scope: 'other' }),
      await issuer.mint({ scope: 'invoices:read', iat: seconds - 400 }),
      await issuer.mint({ scope: 'invoices:read', exp: seconds - 100 }),
      'not-a-token',
    ];
    for (const token of [...tokens, ...tokens]) {
      for (const action of ['read', 'delete'] as const) {
        const [a, b] = [await on.decide(action, bearer(token)), await off.decide(action, bearer(token))];
        expect(a.allow ? 'allow' : a.code).toBe(b.allow ? 'allow' : b.code);
      }
    }
  });

  /** The same signature (so the same cache key) under another payload: a forgery. */
  function forgeWithSignatureOf(token: string, claims: Record<string, unknown>): string {
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const original = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    const forged = Buffer.from(JSON.stringify({ ...original, ...claims })).toString('base64url');
    return `${header}.${forged}.${signature}`;
  }

  it('refuses a forgery carrying a cached token’s signature, and still allows the cached token', async () => {
    const gate = testGate(issuer, actions, { now: () => NOW });
    const uncached = testGate(issuer, actions, { now: () => NOW, tokenCache: false });
    const token = await issuer.mint({ scope: 'other', exp: seconds + 3600 });
    const forged = forgeWithSignatureOf(token, { scope: 'invoices:read' });
    expect(forged.slice(-24)).toBe(token.slice(-24));
    expect((await gate.decide('read', bearer(token))).allow).toBe(false); // cached: verified, scope too narrow
    const refused = await gate.decide('read', bearer(forged));
    const expected = await uncached.decide('read', bearer(forged));
    expect(refused).toEqual(expected);
    expect(refused.allow ? 'allow' : refused.code).toBe('token_signature');
    const honest = await issuer.mint({ scope: 'invoices:read', exp: seconds + 3600 });
    expect((await gate.decide('read', bearer(honest))).allow).toBe(true);
    expect((await gate.decide('read', bearer(forgeWithSignatureOf(honest, { sub: 'someone-else' })))).allow).toBe(
      false,
    );
    expect((await gate.decide('read', bearer(honest))).allow).toBe(true);
  });

  it('refuses a suffix-collision of a revoked token, and the revoked token stays revoked', async () => {
    const store = new MemoryRevocationStore();
    const gate = testGate(issuer, actions, { now: () => NOW, revocation: store });
    const token = await issuer.mint({ scope: 'invoices:read', jti: 'j-revoked', exp: seconds + 3600 });
    expect((await gate.decide('read', bearer(token))).allow).toBe(true);
    await store.revoke({ jti: 'j-revoked' });
    const collision = forgeWithSignatureOf(token, { jti: 'j-innocent' });
    const refused = await gate.decide('read', bearer(collision));
    expect(refused.allow ? 'allow' : refused.code).toBe('token_signature');
    const revoked = await gate.decide('read', bearer(token));
    expect(revoked.allow ? 'allow' : revoked.code).toBe('token_revoked');
  });

  it('refuses a malformed header byte for byte as without the cache, however close to a cached token', async () => {
    const on = testGate(issuer, actions, { now: () => NOW, dpop: true });
    const off = testGate(issuer, actions, { now: () => NOW, dpop: true, tokenCache: false });
    const token = await issuer.mint({ scope: 'invoices:read', exp: seconds + 3600 });
    expect((await on.decide('read', bearer(token))).allow).toBe(true);
    const headers = [
      `Bearer ${token.slice(0, 10)} ${token.slice(10)}`,
      `Bearer %${token}`,
      `Bearer ${token}\u0000`,
      `Bearer ${token},Bearer ${token}`,
      `Bearer ${token.slice(0, -1)}=x`,
      `DPoP ${token.slice(0, 10)} ${token.slice(10)}`,
      `DPoP %${token}`,
    ];
    for (const authorization of headers) {
      const refused = await on.decide('read', { method: 'GET', path: '/x', authorization });
      expect(refused.allow).toBe(false);
      expect(refused).toEqual(await off.decide('read', { method: 'GET', path: '/x', authorization }));
    }
    expect((await on.decide('read', bearer(token))).allow).toBe(true);
  });

  it('names its options when they are wrong', () => {
    expect(() => testGate(issuer, actions, { tokenCache: { ttl: 0 } })).toThrow(/tokenCache\.ttl/);
    expect(() => testGate(issuer, actions, { tokenCache: true as never })).toThrow(/tokenCache/);
  });
});
