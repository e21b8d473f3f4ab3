/**
 * The verified-token cache: after a token's signature and claims verify, the result is kept
 * in a bounded LRU (a cap in entries and in bytes) for at most `ttl` and never past `exp`.
 * Only signature and static-claim verification is cached: every request still checks `exp`,
 * `nbf` and `iat` against the clock, and the gate still runs every per-request check
 * (revocation, freshness, user authentication, binding, single use, use budgets). Failures are
 * never cached, and neither is a revocation answer: a revoked token is refused from the first
 * request after its revocation reached the store, cached or not (see revocation/check.ts).
 *
 * The cost: a key removed from the issuer's key set keeps its already-verified tokens valid
 * for at most `ttl` more seconds (default 60).
 */
import { LRUCache } from 'lru-cache';
import { TokenRejectedError } from '../errors.js';
import { checkTimes } from './claims.js';
import type { VerifiedToken, Verifier } from './index.js';

/**
 * Limits of the verified-token cache, which saves a signature check for a token seen again.
 * Each entry lives at most `ttl` seconds and never past the token's `exp`.
 */
export interface TokenCacheOptions {
  /** Seconds an entry may live, at most. Default 60. */
  readonly ttl?: number;
  /** Most entries. Default 10000. */
  readonly maxEntries?: number;
  /** Most bytes (tokens plus their claims, estimated). Default 16 MiB. */
  readonly maxBytes?: number;
}

interface Entry {
  readonly verified: VerifiedToken;
  readonly bytes: number;
  /** Milliseconds since the epoch, on the gate's clock: verified again from then on. */
  readonly until: number;
}

/** Bytes for the claims object, the scope set, the entry and the LRU's bookkeeping. */
const ENTRY_OVERHEAD = 512;

export const DEFAULT_TOKEN_CACHE = Object.freeze({ ttl: 60, maxEntries: 10_000, maxBytes: 16 * 1024 * 1024 });

export function withTokenCache(
  verify: Verifier,
  options: Required<TokenCacheOptions>,
  now: () => number,
  clockTolerance: number,
): Verifier {
  const cache = new LRUCache<string, Entry>({
    max: options.maxEntries,
    maxSize: options.maxBytes,
    // Tokens are ASCII, which V8 stores one byte a character; claims are estimated by their
    // serialised length plus the objects that hold them.
    sizeCalculation: (entry, token) => token.length + entry.bytes,
    // The entry's lifetime is kept on the gate's clock (`until`), not lru-cache's timers.
  });

  async function verifyAndKeep(token: string): Promise<VerifiedToken> {
    const verified = await verify(token);
    const until = Math.min(now() + options.ttl * 1000, verified.claims.exp * 1000);
    if (until > now()) {
      const bytes = JSON.stringify(verified.claims).length + ENTRY_OVERHEAD;
      if (bytes + token.length <= options.maxBytes) cache.set(token, { verified, bytes, until });
    }
    return verified;
  }

  // A hit answers synchronously: no promise, no microtask, on the path that matters most.
  return function cachedVerify(token) {
    const hit = cache.get(token);
    if (hit === undefined) return verifyAndKeep(token);
    const at = now();
    if (at >= hit.until) {
      cache.delete(token);
      return verifyAndKeep(token);
    }
    const refusal = checkTimes(hit.verified.claims, Math.floor(at / 1000), clockTolerance);
    if (refusal === undefined) return hit.verified;
    cache.delete(token);
    throw new TokenRejectedError(refusal);
  };
}
