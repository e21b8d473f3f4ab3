/**
 * The test authorization server's keys and a minting helper for RFC 9068 access tokens.
 */
import { randomUUID } from 'node:crypto';
import {
  type CryptoKey,
  exportJWK,
  exportSPKI,
  generateKeyPair,
  type JWTHeaderParameters,
  type JWTPayload,
  SignJWT,
} from 'jose';

export const ISSUER = 'https://issuer.test';
export const MFA = 'urn:actiongate:mfa';

export interface TestKeys {
  readonly jwks: { keys: Record<string, unknown>[] };
  readonly rsaPrivate: CryptoKey;
  readonly ecPrivate: CryptoKey;
  /** PS256 (kid `ps-1`) and EdDSA (kid `ed-1`): the contract's other algorithms. */
  readonly psPrivate: CryptoKey;
  readonly edPrivate: CryptoKey;
  /** An RSA key the JWKS does not hold, for forged signatures. */
  readonly strangerPrivate: CryptoKey;
  /** The RSA public key as PEM, for HMAC key-confusion attempts. */
  readonly rsaPublicPem: string;
}

export async function createKeys(): Promise<TestKeys> {
  const rsa = await generateKeyPair('RS256', { extractable: true });
  const ec = await generateKeyPair('ES256');
  const stranger = await generateKeyPair('RS256');
  const ps = await generateKeyPair('PS256');
  const ed = await generateKeyPair('EdDSA');
  return {
    jwks: {
      keys: [
        { ...(await exportJWK(rsa.publicKey)), kid: 'rsa-1', alg: 'RS256', use: 'sig' },
        { ...(await exportJWK(ec.publicKey)), kid: 'ec-1', alg: 'ES256', use: 'sig' },
        { ...(await exportJWK(ps.publicKey)), kid: 'ps-1', alg: 'PS256', use: 'sig' },
        { ...(await exportJWK(ed.publicKey)), kid: 'ed-1', alg: 'EdDSA', use: 'sig' },
      ],
    },
    rsaPrivate: rsa.privateKey,
    ecPrivate: ec.privateKey,
    psPrivate: ps.privateKey,
    edPrivate: ed.privateKey,
    strangerPrivate: stranger.privateKey,
    rsaPublicPem: await exportSPKI(rsa.publicKey),
  };
}

export interface MintOptions {
  /** Claims over the defaults; an `undefined` value removes a default claim. */
  readonly claims?: Record<string, unknown>;
  readonly header?: Partial<JWTHeaderParameters>;
  readonly key?: CryptoKey | Uint8Array;
}

/** Mints a token for `audience` with sensible RFC 9068 defaults, valid for five minutes. */
export function mint(keys: TestKeys, audience: string, options: MintOptions = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const payload: Record<string, unknown> = {
    iss: ISSUER,
    aud: audience,
    sub: 'user-1',
    client_id: 'client-1',
    iat: now,
    exp: now + 300,
    jti: randomUUID(),
    ...options.claims,
  };
  for (const name of Object.keys(payload)) if (payload[name] === undefined) delete payload[name];
  const header = { alg: 'RS256', typ: 'at+jwt', kid: 'rsa-1', ...options.header } as JWTHeaderParameters;
  for (const name of Object.keys(header)) if (header[name] === undefined) delete header[name];
  return new SignJWT(payload as JWTPayload).setProtectedHeader(header).sign(options.key ?? keys.rsaPrivate);
}

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A token whose parts are written by hand (alg none, forged structures). */
export function handcrafted(header: unknown, payload: unknown, signature = ''): string {
  return `${b64url(header)}.${b64url(payload)}.${signature}`;
}
