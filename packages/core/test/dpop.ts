/**
 * Test support: DPoP proofs (RFC 9449 §4.2) made with jose, every part of which a test may
 * override or remove, so that each §4.3 rule can be broken on its own.
 */
import { createHash, randomUUID } from 'node:crypto';
import { type CryptoKey, calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';

export interface ProofKey {
  readonly alg: string;
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
  /** RFC 7638 thumbprint, what a bound token's `cnf.jkt` holds. */
  readonly jkt: string;
}

export async function createProofKey(alg = 'ES256'): Promise<ProofKey> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  return { alg, privateKey, publicJwk, jkt: await calculateJwkThumbprint(publicJwk, 'sha256') };
}

export const ath = (token: string): string => createHash('sha256').update(token).digest('base64url');

export interface ProofOptions {
  readonly htm?: string;
  readonly htu?: string;
  /** The access token the proof is for (`ath`). */
  readonly token?: string;
  /** Claims over the defaults; `undefined` removes one. */
  readonly claims?: Record<string, unknown>;
  /** Header parameters over the defaults; `undefined` removes one. */
  readonly header?: Record<string, unknown>;
  /** Signs with this key instead (the header's `jwk` stays the proof key's). */
  readonly signWith?: CryptoKey;
  readonly now?: number;
}

export async function makeProof(key: ProofKey, options: ProofOptions = {}): Promise<string> {
  const now = Math.floor((options.now ?? Date.now()) / 1000);
  const claims: Record<string, unknown> = {
    jti: randomUUID(),
    htm: options.htm ?? 'POST',
    htu: options.htu ?? 'https://api.test/x',
    iat: now,
    ...(options.token === undefined ? {} : { ath: ath(options.token) }),
    ...options.claims,
  };
  const header: Record<string, unknown> = { alg: key.alg, typ: 'dpop+jwt', jwk: key.publicJwk, ...options.header };
  for (const record of [claims, header])
    for (const name of Object.keys(record)) if (record[name] === undefined) delete record[name];
  return new SignJWT(claims).setProtectedHeader(header as never).sign(options.signWith ?? key.privateKey);
}
