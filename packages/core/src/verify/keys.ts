/**
 * Key resolution for one issuer. A remote key set is `jose`'s `createRemoteJWKSet`, with its
 * failures sorted into two kinds:
 * - about the token (no key with that `kid`, an unsupported `alg`): the token is refused (401);
 * - about the key set (timeout, refused, non-200, not a JWKS, an unusable key): the keys cannot
 *   be had, so the request fails closed with 503 and the client may retry.
 */
import {
  type CryptoKey,
  createLocalJWKSet,
  createRemoteJWKSet,
  type FlattenedJWSInput,
  type JWSHeaderParameters,
  type KeyObject,
} from 'jose';
import { KeySetUnavailableError } from '../errors.js';
import type { KeySource } from './options.js';

type ResolvedKey = CryptoKey | KeyObject | Uint8Array;
export type KeyResolver = (header: JWSHeaderParameters, token: FlattenedJWSInput) => Promise<ResolvedKey>;
export type VerificationKey = Uint8Array | KeyResolver;

const TOKEN_FAULTS = new Set(['ERR_JWKS_NO_MATCHING_KEY', 'ERR_JWKS_MULTIPLE_MATCHING_KEYS', 'ERR_JOSE_NOT_SUPPORTED']);

function isTokenFault(error: unknown): boolean {
  return typeof error === 'object' && error !== null && TOKEN_FAULTS.has((error as { code?: unknown }).code as string);
}

export function verificationKey(source: KeySource): VerificationKey {
  if (source.kind === 'secret') return source.secret;
  if (source.kind === 'local') return createLocalJWKSet(source.jwks) as KeyResolver;
  const remote = createRemoteJWKSet(source.url, {
    timeoutDuration: source.timeout,
    cooldownDuration: source.cooldown,
    cacheMaxAge: source.cacheMaxAge,
  });
  return async (header, token) => {
    try {
      return await remote(header, token);
    } catch (error) {
      if (isTokenFault(error)) throw error;
      throw new KeySetUnavailableError({ cause: error });
    }
  };
}
