/**
 * The embedded demo issuer, used when `ISSUER` is unset: an in-process RS256 key pair whose
 * public half the gate trusts, and a way to mint RFC 9068 access tokens with it. It stands in
 * for a real authorization server so that the example runs with nothing else installed.
 */
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, type JSONWebKeySet, type JWTPayload, SignJWT } from 'jose';

export interface DemoIssuer {
  readonly issuer: string;
  readonly jwks: JSONWebKeySet;
  /** Mints an access token for `audience` carrying `scope`, valid for `lifetime` seconds. */
  mint(audience: string, scope: string, lifetime?: number, extra?: JWTPayload): Promise<string>;
}

export async function createDemoIssuer(issuer: string): Promise<DemoIssuer> {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const kid = `demo-${randomUUID().slice(0, 8)}`;
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
  return {
    issuer,
    jwks: { keys: [jwk] },
    mint(audience, scope, lifetime = 3600, extra = {}) {
      return new SignJWT({ scope, client_id: 'demo-client', ...extra })
        .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid })
        .setIssuer(issuer)
        .setSubject('demo-user')
        .setAudience(audience)
        .setIssuedAt()
        .setExpirationTime(`${lifetime}s`)
        .setJti(randomUUID())
        .sign(privateKey);
    },
  };
}
