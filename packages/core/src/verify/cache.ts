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
 *
 * The key is the token's last characters (the end of a JWS signature), not the whole token:
 * a request's header is a new string every time, and V8 hashes all of a string it looks up in
 * a Map (about 700 characters for a typical access token). An entry holds the whole token and
 * only a token equal to it, compared in full, is a hit; a token that merely shares the key is a
 * miss and is verified like any unseen token, and the entry it collided with is left alone.
 * Anyone able to find a colliding token that also verifies can, at most, displace another
 * token's entry: that only costs its owner one more signature check, never an allow.
 */
import { LRUCache } from 'lru-cache';
import { TokenRejectedError } from '../errors.js';
import { isB64token } from '../extract/index.js';
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
  /** The whole token: the key is only its end. */
  readonly token: string;
  readonly verified: VerifiedToken;
  readonly bytes: number;
  /** Milliseconds since the epoch, on the gate's clock: verified again from then on. */
  readonly until: number;
}

/** Bytes for the claims object, the scope set, the entry and the LRU's bookkeeping. */
const ENTRY_OVERHEAD = 512;

/**
 * Characters at the token's end that key its entry: 24 base64url characters of a signature are
 * 144 bits, so honest tokens practically never share a key.
 */
export const TOKEN_CACHE_KEY_LENGTH = 24;
const keyOf = (token: string): string => token.slice(-TOKEN_CACHE_KEY_LENGTH);

/** A verifier with a verified-token cache in front. */
export interface CachedVerifier extends Verifier {
  /**
   * Whether `token` equals, in full, a token this cache holds (verified, possibly stale). Every
   * such token matched RFC 6750's b64token when it was stored, so a caller may skip that check.
   */
  readonly knows: (token: string) => boolean;
}

export const DEFAULT_TOKEN_CACHE = Object.freeze({ ttl: 60, maxEntries: 10_000, maxBytes: 16 * 1024 * 1024 });

export function withTokenCache(
  verify: Verifier,
  options: Required<TokenCacheOptions>,
  now: () => number,
  clockTolerance: number,
): CachedVerifier {
  const cache = new LRUCache<string, Entry>({
    max: options.maxEntries,
    maxSize: options.maxBytes,
    // Tokens are ASCII, which V8 stores one byte a character; claims are estimated by their
    // serialised length plus the objects that hold them.
    sizeCalculation: (entry) => entry.token.length + entry.bytes,
    // The entry's lifetime is kept on the gate's clock (`until`), not lru-cache's timers.
  });

  async function verifyAndKeep(token: string): Promise<VerifiedToken> {
    const verified = await verify(token);
    const until = Math.min(now() + options.ttl * 1000, verified.claims.exp * 1000);
    if (until > now()) {
      const bytes = JSON.stringify(verified.claims).length + ENTRY_OVERHEAD;
      // Only b64token strings (RFC 6750 §2.1) are kept, so that `knows` may vouch for the syntax
      // whoever the caller was; every token the gate verifies has passed that check already.
      if (bytes + token.length <= options.maxBytes && isB64token(token))
        cache.set(keyOf(token), { token, verified, bytes, until });
    }
    return verified;
  }

  // The entry `knows` just found for the extractor, so that the verification that follows in the
  // same tick needs no second lookup. Only a hint: it is used for a token equal to it in full.
  let vouched: Entry | undefined;
  // Only the entry in hand: a hint may have been displaced since by another token under its key.
  const forget = (entry: Entry) => {
    const key = keyOf(entry.token);
    if (cache.peek(key) === entry) cache.delete(key);
  };

  // A hit answers synchronously: no promise, no microtask, on the path that matters most.
  function cachedVerify(token: string): VerifiedToken | Promise<VerifiedToken> {
    const hint = vouched;
    vouched = undefined;
    const hit = hint !== undefined && hint.token === token ? hint : cache.get(keyOf(token));
    // Another token under the same key is a miss; its entry is not touched here.
    if (hit === undefined || hit.token !== token) return verifyAndKeep(token);
    const at = now();
    if (at >= hit.until) {
      forget(hit);
      return verifyAndKeep(token);
    }
    const refusal = checkTimes(hit.verified.claims, Math.floor(at / 1000), clockTolerance);
    if (refusal === undefined) return hit.verified;
    forget(hit);
    throw new TokenRejectedError(refusal);
  }
  const knows = (token: string): boolean => {
    const entry = cache.get(keyOf(token)); // a use: it refreshes the entry's recency
    if (entry === undefined || entry.token !== token) return false;
    vouched = entry;
    return true;
  };
  return Object.assign(cachedVerify, { knows });
}
