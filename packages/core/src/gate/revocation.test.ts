import { beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestIssuer, ISSUER, type TestIssuer, testGate } from '../../test/tokens.js';
import { defineActions } from '../actions/index.js';
import { ConfigurationError } from '../errors.js';
import { MemoryRevocationStore } from '../revocation/memory.js';
import type { RevocationStore } from '../revocation/types.js';

const actions = defineActions({
  refund: { scopes: ['payments:refund'] },
  read: { scopes: [] },
});
let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await createTestIssuer();
});
const mint = (claims = {}) => issuer.mint({ scope: 'payments:refund', ...claims });

async function refusal(decision: Promise<{ allow: boolean } & object>) {
  const answer = (await decision) as {
    allow: boolean;
    status?: number;
    code?: string;
    headers?: Record<string, string>;
  };
  if (answer.allow) throw new Error('allowed');
  return answer;
}

describe('revocation through the gate', () => {
  it('refuses a token revoked after it was verified and cached, on the very next request', async () => {
    const store = new MemoryRevocationStore();
    const gate = testGate(issuer, actions, { revocation: store }); // token cache on (the default)
    const token = await mint({ jti: 'j-cached' });
    expect((await gate.decide('refund', bearer(token))).allow).toBe(true);
    expect((await gate.decide('refund', bearer(token))).allow).toBe(true); // served from the cache
    await store.revoke({ jti: 'j-cached' });
    const refused = await refusal(gate.decide('refund', bearer(token)));
    expect(refused.status).toBe(401);
    expect(refused.code).toBe('token_revoked');
    expect(refused.headers?.['www-authenticate']).toBe(
      'Bearer realm="test", error="invalid_token", resource_metadata="https://api.test/.well-known/oauth-protected-resource", error_description="The access token was revoked"',
    );
    // Every action: a revoked token is not valid anywhere.
    expect((await refusal(gate.decide('read', bearer(token)))).code).toBe('token_revoked');
  });

  it('revokes by sub and by client the tokens issued up to then, and lets later ones through', async () => {
    let now = Date.now();
    const clockIssuer = await createTestIssuer(() => now);
    const store = new MemoryRevocationStore({ now: () => now });
    const gate = testGate(clockIssuer, actions, { revocation: store, now: () => now });
    const old = await clockIssuer.mint({ scope: 'payments:refund', sub: 'alice' });
    const otherUser = await clockIssuer.mint({ scope: 'payments:refund', sub: 'bob' });
    await store.revoke({ sub: 'alice', issuer: ISSUER });
    expect((await refusal(gate.decide('refund', bearer(old)))).code).toBe('token_revoked');
    expect((await gate.decide('refund', bearer(otherUser))).allow).toBe(true);
    now += 2000;
    const fresh = await clockIssuer.mint({ scope: 'payments:refund', sub: 'alice' });
    expect((await gate.decide('refund', bearer(fresh))).allow).toBe(true);
    await store.revoke({ clientId: 'client-1' });
    expect((await refusal(gate.decide('refund', bearer(fresh)))).code).toBe('token_revoked');
  });

  it('revokes by grant, read from grantIdClaim', async () => {
    const store = new MemoryRevocationStore();
    const gate = testGate(issuer, actions, { revocation: store, grantIdClaim: 'sid' });
    const token = await mint({ sid: 'session-9' });
    expect((await gate.decide('refund', bearer(token))).allow).toBe(true);
    await store.revoke({ grantId: 'session-9' });
    expect((await refusal(gate.decide('refund', bearer(token)))).code).toBe('token_revoked');
  });

  it('a store that fails answers 503 with Retry-After, never an allow', async () => {
    const failing: RevocationStore = {
      isRevoked: async () => {
        throw new Error('ECONNREFUSED');
      },
      revoke: async () => {},
    };
    const gate = testGate(issuer, actions, { revocation: failing, retryAfter: 7 });
    const refused = await refusal(gate.decide('refund', bearer(await mint())));
    expect(refused.status).toBe(503);
    expect(refused.code).toBe('revocation_unavailable');
    expect(refused.headers?.['retry-after']).toBe('7');
  });

  it('a store or hook slower than revocationTimeout answers 503 in about that time', async () => {
    const silent: RevocationStore = { isRevoked: () => new Promise(() => {}), revoke: async () => {} };
    const gate = testGate(issuer, actions, { revocation: silent, revocationTimeout: 50 });
    expect((await refusal(gate.decide('refund', bearer(await mint())))).code).toBe('revocation_unavailable');
    const hooked = testGate(issuer, actions, { isRevoked: () => new Promise(() => {}), revocationTimeout: 50 });
    expect((await refusal(hooked.decide('refund', bearer(await mint())))).code).toBe('revocation_unavailable');
  });

  it('a hook that throws, or answers anything but a boolean, answers 503; true answers 401', async () => {
    const token = await mint();
    for (const hook of [
      () => {
        throw new Error('db down');
      },
      async () => Promise.reject(new Error('db down')),
      () => 'no' as unknown as boolean,
      async () => undefined as unknown as boolean,
      () => 1 as unknown as boolean,
    ]) {
      const gate = testGate(issuer, actions, { isRevoked: hook });
      const refused = await refusal(gate.decide('refund', bearer(token)));
      expect(refused.status).toBe(503);
    }
    const seen: string[] = [];
    const gate = testGate(issuer, actions, {
      isRevoked: (verified) => {
        seen.push(verified.claims.sub ?? '');
        return verified.claims.sub === 'user-1';
      },
    });
    expect((await refusal(gate.decide('refund', bearer(token)))).code).toBe('token_revoked');
    expect((await gate.decide('refund', bearer(await mint({ sub: 'user-2' })))).allow).toBe(true);
    expect(seen).toEqual(['user-1', 'user-2']);
  });

  it('a store that answers anything but a boolean answers 503', async () => {
    const liar = { isRevoked: () => 'false', revoke: async () => {} } as unknown as RevocationStore;
    const gate = testGate(issuer, actions, { revocation: liar });
    expect((await refusal(gate.decide('refund', bearer(await mint())))).status).toBe(503);
  });

  it('names the option on a configuration mistake', () => {
    expect(() => testGate(issuer, actions, { revocation: {} as RevocationStore })).toThrow(/"revocation"/);
    expect(() => testGate(issuer, actions, { isRevoked: 'yes' as never })).toThrow(ConfigurationError);
    expect(() => testGate(issuer, actions, { revocationTimeout: 0 })).toThrow(/revocationTimeout/);
    expect(() => testGate(issuer, actions, { grantIdClaim: '' })).toThrow(/grantIdClaim/);
  });
});
