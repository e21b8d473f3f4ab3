import { describe, expect, it } from 'vitest';
import { ConfigurationError, RevocationUnavailableError } from '../errors.js';
import { MemoryRevocationStore } from './memory.js';
import type { Revocation, RevocationRecord } from './types.js';

const ISS = 'https://as.test';
const T0 = 1_700_000_000_000;

function clock(start = T0) {
  const at = { ms: start };
  return Object.assign(at, { now: () => at.ms });
}

describe('MemoryRevocationStore', () => {
  it('refuses a revocation that names no token, or more than one kind, rather than record nothing', async () => {
    const store = new MemoryRevocationStore();
    for (const bad of [
      {},
      { jti: '' },
      { jti: 'a', sub: 'b' },
      { jti: 42 },
      { jti: 'a', before: 10 },
      { sub: 'u', before: Number.NaN },
      { sub: 'u', issuer: '' },
      { jti: 'a', until: Number.POSITIVE_INFINITY },
      { jti: 'a', until: 1e300 },
      { sub: 'u', before: -1 },
      null,
    ]) {
      await expect(store.revoke(bad as unknown as Revocation)).rejects.toThrow(TypeError);
    }
    expect(store.size).toBe(0);
  });

  it('revokes one token by jti, scoped to its issuer when one is named', async () => {
    const store = new MemoryRevocationStore();
    await store.revoke({ jti: 'j1', issuer: ISS });
    expect(store.isRevoked({ issuer: ISS, jti: 'j1' })).toBe(true);
    expect(store.isRevoked({ issuer: 'https://other.test', jti: 'j1' })).toBe(false);
    expect(store.isRevoked({ issuer: ISS, jti: 'j2' })).toBe(false);
    await store.revoke({ jti: 'j3' }); // no issuer: every issuer
    expect(store.isRevoked({ issuer: 'https://other.test', jti: 'j3' })).toBe(true);
  });

  it('revokes a user’s tokens issued up to the revocation, and not those issued after', async () => {
    const c = clock();
    const store = new MemoryRevocationStore({ now: c.now });
    const second = T0 / 1000;
    await store.revoke({ sub: 'alice' });
    expect(store.isRevoked({ issuer: ISS, sub: 'alice', iat: second - 100 })).toBe(true);
    expect(store.isRevoked({ issuer: ISS, sub: 'alice', iat: second })).toBe(true); // same second: fail closed
    expect(store.isRevoked({ issuer: ISS, sub: 'alice', iat: second + 1 })).toBe(false);
    expect(store.isRevoked({ issuer: ISS, sub: 'alice' })).toBe(true); // no iat: cannot tell its age
    expect(store.isRevoked({ issuer: ISS, sub: 'bob', iat: second - 100 })).toBe(false);
  });

  it('keeps the furthest `before` of repeated revocations of one client', async () => {
    const store = new MemoryRevocationStore({ now: clock().now });
    await store.revoke({ clientId: 'c', before: 2000 });
    await store.revoke({ clientId: 'c', before: 1000 }); // an older, late revocation does not shrink it
    expect(store.isRevoked({ issuer: ISS, clientId: 'c', iat: 1500 })).toBe(true);
    expect(store.isRevoked({ issuer: ISS, clientId: 'c', iat: 2001 })).toBe(false);
  });

  it('revokes by grant, and forgets a record after `until` (the tokens it refused have expired)', async () => {
    const c = clock();
    const store = new MemoryRevocationStore({ now: c.now, retention: 600 });
    await store.revoke({ grantId: 'g' });
    expect(store.isRevoked({ issuer: ISS, grantId: 'g', iat: 0 })).toBe(true);
    c.ms += 599_000;
    expect(store.isRevoked({ issuer: ISS, grantId: 'g' })).toBe(true);
    c.ms += 1000;
    expect(store.isRevoked({ issuer: ISS, grantId: 'g' })).toBe(false);
  });

  it('when full of live records, refuses a new revocation rather than evict one', async () => {
    const c = clock();
    const store = new MemoryRevocationStore({ now: c.now, maxEntries: 2, retention: 60 });
    await store.revoke({ jti: 'a' });
    await store.revoke({ jti: 'b' });
    await expect(store.revoke({ jti: 'c' })).rejects.toThrow(RevocationUnavailableError);
    expect(store.isRevoked({ issuer: ISS, jti: 'a' })).toBe(true);
    expect(store.isRevoked({ issuer: ISS, jti: 'b' })).toBe(true);
    c.ms += 61_000; // both expired: swept to make room
    await store.revoke({ jti: 'c' });
    expect(store.isRevoked({ issuer: ISS, jti: 'c' })).toBe(true);
  });

  it('tells its subscribers of every revocation, and a throwing subscriber changes nothing', async () => {
    const store = new MemoryRevocationStore();
    const seen: RevocationRecord[] = [];
    store.subscribe(() => {
      throw new Error('listener bug');
    });
    const unsubscribe = store.subscribe((record) => seen.push(record));
    await store.revoke({ sub: 'alice', before: 5 });
    unsubscribe();
    await store.revoke({ jti: 'j' });
    expect(seen).toEqual([{ kind: 'sub', issuer: undefined, value: 'alice', before: 5, until: expect.any(Number) }]);
    expect(store.isRevoked({ issuer: ISS, jti: 'j' })).toBe(true);
  });

  it('names the option on a configuration mistake', () => {
    expect(() => new MemoryRevocationStore({ maxEntries: 0 })).toThrow(ConfigurationError);
    expect(() => new MemoryRevocationStore({ retention: 1.5 })).toThrow(/revocation\.retention/);
  });
});
