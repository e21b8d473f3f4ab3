/**
 * Key resolution for one issuer. A remote key set (`RemoteKeySet`) fetches and keeps the keys;
 * `jose` imports and selects them. Failures are sorted into two kinds:
 * - about the token (no key with that `kid`, an unsupported `alg`): the token is refused (401);
 * - about the key set (timeout, refused, non-200, too large, not a JWKS, an unusable key, a
 *   backoff running): the keys cannot be had, so the request fails closed with 503 and the
 *   client may retry.
 */
import {
  type CryptoKey,
  createLocalJWKSet,
  type FlattenedJWSInput,
  type JWSHeaderParameters,
  type KeyObject,
} from 'jose';
import { KeySetUnavailableError } from '../errors.js';
import type { KeySource } from './options.js';
import { RemoteKeySet } from './remote-key-set.js';

type ResolvedKey = CryptoKey | KeyObject | Uint8Array;
export type KeyResolver = (header: JWSHeaderParameters, token: FlattenedJWSInput) => Promise<ResolvedKey>;
export type VerificationKey = Uint8Array | KeyResolver;

const TOKEN_FAULTS = new Set(['ERR_JWKS_NO_MATCHING_KEY', 'ERR_JWKS_MULTIPLE_MATCHING_KEYS', 'ERR_JOSE_NOT_SUPPORTED']);

function isTokenFault(error: unknown): boolean {
  return typeof error === 'object' && error !== null && TOKEN_FAULTS.has((error as { code?: unknown }).code as string);
}

/** `now` is the gate's clock (ms since the epoch): it times cache ages, cooldown and backoff. */
export function verificationKey(source: KeySource, now: () => number = Date.now): VerificationKey {
  if (source.kind === 'secret') return source.secret;
  if (source.kind === 'local') return createLocalJWKSet(source.jwks) as KeyResolver;
  const remote = new RemoteKeySet(source, now);
  return async (header, token) => {
    try {
      return await remote.resolve(header, token);
    } catch (error) {
      if (isTokenFault(error) || error instanceof KeySetUnavailableError) throw error;
      throw new KeySetUnavailableError({ cause: error });
    }
  };
}
