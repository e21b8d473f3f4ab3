/**
 * DPoP proofs (RFC 9449 §4.2) written with jose, each part overridable, so that a test can break
 * one rule at a time; and the challenges the contract prescribes for DPoP ("Sender-constrained
 * and opaque tokens"), written out byte for byte.
 */
import { createHash, randomUUID } from 'node:crypto';
import { type CryptoKey, calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { type Expected, metadataUrl, REFUSAL } from './challenge.js';

export const ALGS = 'ES256 EdDSA PS256 RS256';

export interface DpopKey {
  readonly alg: string;
  readonly privateKey: CryptoKey;
  readonly publicKey: CryptoKey;
  readonly publicJwk: JWK;
  readonly jkt: string;
}

export async function createDpopKey(alg = 'ES256'): Promise<DpopKey> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  return { alg, privateKey, publicKey, publicJwk, jkt: await calculateJwkThumbprint(publicJwk, 'sha256') };
}

export const ath = (token: string) => createHash('sha256').update(token).digest('base64url');

export interface ProofParts {
  readonly claims?: Record<string, unknown>;
  readonly header?: Record<string, unknown>;
  readonly signWith?: CryptoKey;
}

/** A proof for `htm` `htu` and `token`; `undefined` in `claims` or `header` removes a member. */
export async function proof(key: DpopKey, htm: string, htu: string, token: string, parts: ProofParts = {}) {
  const claims: Record<string, unknown> = {
    jti: randomUUID(),
    htm,
    htu,
    iat: Math.floor(Date.now() / 1000),
    ath: ath(token),
    ...parts.claims,
  };
  const header: Record<string, unknown> = { alg: key.alg, typ: 'dpop+jwt', jwk: key.publicJwk, ...parts.header };
  for (const record of [claims, header])
    for (const name of Object.keys(record)) if (record[name] === undefined) delete record[name];
  return new SignJWT(claims).setProtectedHeader(header as never).sign(parts.signWith ?? key.privateKey);
}

/** The `Bearer` challenge without error, as it stands beside a `DPoP` one. */
export const plainBearer = (base: string) => `Bearer realm="invoices", resource_metadata="${metadataUrl(base)}"`;
/** The `DPoP` challenge without error. */
export const plainDpop = (base: string) =>
  `DPoP realm="invoices", algs="${ALGS}", resource_metadata="${metadataUrl(base)}"`;

/** `DPoP realm, error, scope, acr_values, max_age, algs, resource_metadata, error_description`. */
export function dpopChallenge(base: string, expected: Expected): string {
  const params = ['realm="invoices"'];
  if (expected.error !== undefined) params.push(`error="${expected.error}"`);
  if (expected.scope !== undefined) params.push(`scope="${expected.scope}"`);
  if (expected.acrValues !== undefined) params.push(`acr_values="${expected.acrValues}"`);
  if (expected.maxAge !== undefined) params.push(`max_age="${expected.maxAge}"`);
  params.push(`algs="${ALGS}"`);
  params.push(`resource_metadata="${metadataUrl(base)}"`);
  if (expected.description !== undefined) params.push(`error_description="${expected.description}"`);
  return `DPoP ${params.join(', ')}`;
}

/** The `DPoP` challenge of a fixed refusal. */
export function dpopChallengeFor(base: string, code: keyof typeof REFUSAL, scope?: string): string {
  const { error, description } = REFUSAL[code];
  return dpopChallenge(base, { error, description, ...(scope === undefined ? {} : { scope }) });
}
