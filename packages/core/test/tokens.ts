/**
 * Test support: an issuer with a real RS256 key pair, and a gate that trusts it, so that
 * tests exercise real signatures and real verification.
 */
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, type JWTPayload, SignJWT } from 'jose';
import { type ActionSet, createGate, type Gate, type GateOptions, type RequestFacts } from '../src/index.js';

export const ISSUER = 'https://as.test';
export const RESOURCE = 'https://api.test';

export interface TestIssuer {
  readonly jwks: { keys: Record<string, unknown>[] };
  /** Signs `claims` over sensible RFC 9068 defaults; `undefined` values remove a default. */
  mint(claims?: Record<string, unknown>): Promise<string>;
}

export async function createTestIssuer(clock: () => number = Date.now, kid = 'k1'): Promise<TestIssuer> {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
  return {
    jwks: { keys: [jwk] },
    async mint(claims = {}) {
      const now = Math.floor(clock() / 1000);
      const payload: Record<string, unknown> = {
        iss: ISSUER,
        aud: RESOURCE,
        sub: 'user-1',
        client_id: 'client-1',
        iat: now,
        exp: now + 300,
        jti: randomUUID(),
        ...claims,
      };
      for (const key of Object.keys(payload)) if (payload[key] === undefined) delete payload[key];
      return new SignJWT(payload as JWTPayload)
        .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid })
        .sign(privateKey);
    },
  };
}

export function testGate<N extends string>(
  issuer: TestIssuer,
  actions: ActionSet<N>,
  options: Partial<GateOptions<N>> = {},
): Gate<N> {
  return createGate({
    actions,
    resource: RESOURCE,
    realm: 'test',
    issuers: [{ issuer: ISSUER, jwks: issuer.jwks as never }],
    ...options,
  });
}

export function bearer(token: string, extra: Partial<RequestFacts> = {}): RequestFacts {
  return { method: 'POST', path: '/x', authorization: `Bearer ${token}`, ...extra };
}
