/**
 * A remote key set that stays calm when its server misbehaves. `jose` imports and selects the
 * keys (`createLocalJWKSet` over the last good set); this module owns only when to fetch:
 * - concurrent fetches coalesce into one;
 * - a failed fetch starts a jittered, capped backoff: until it ends, nothing is fetched and a
 *   request that needs a fetch fails closed at once (503, `Retry-After` = the backoff left);
 * - keys fetched earlier serve until `cacheMaxAge`, then for at most `staleIfError` more while
 *   refetches fail (stale-if-error), then the request fails closed;
 * - an unknown `kid` under a healthy set refetches at most once per `cooldown` (else 401).
 * Every time comes from the gate's clock, and no timer is left behind: state changes only when
 * a request arrives.
 */
import { createLocalJWKSet, type FlattenedJWSInput, type JSONWebKeySet, type JWSHeaderParameters } from 'jose';
import { KeySetUnavailableError } from '../errors.js';
import { Backoff } from './backoff.js';
import { discoverJwksUri } from './discovery.js';
import { fetchJson, KeySetFetchError } from './fetch-json.js';
import type { RemoteKeySource } from './options.js';

type LocalKeySet = ReturnType<typeof createLocalJWKSet>;
type ResolvedKey = Awaited<ReturnType<LocalKeySet>>;

/** A discovered `jwks_uri` is looked up again after this long (the document rarely changes). */
const DISCOVERY_MAX_AGE = 60 * 60 * 1000;
const JWKS_MEDIA_TYPES = 'application/jwk-set+json, application/json';

function isNoMatchingKey(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'ERR_JWKS_NO_MATCHING_KEY';
}

export class RemoteKeySet {
  private keys: LocalKeySet | undefined;
  /** Clock time of the last good fetch. */
  private fetchedAt = Number.NEGATIVE_INFINITY;
  private pending: Promise<void> | undefined;
  private readonly backoff: Backoff;
  private jwksUri: URL | undefined;
  private discoveredAt = Number.NEGATIVE_INFINITY;
  private lastFailure: unknown;

  constructor(
    private readonly source: RemoteKeySource,
    private readonly now: () => number,
    random?: () => number,
  ) {
    this.backoff = new Backoff(source.backoff, random);
    this.jwksUri = source.url;
  }

  readonly resolve = async (header: JWSHeaderParameters, token: FlattenedJWSInput): Promise<ResolvedKey> => {
    const { cacheMaxAge, staleIfError, cooldown } = this.source;
    if (!(this.now() < this.fetchedAt + cacheMaxAge)) {
      try {
        await this.refresh();
      } catch (error) {
        // Stale-if-error: keys from the last good fetch serve for a bounded time more.
        if (!(this.now() < this.fetchedAt + cacheMaxAge + staleIfError)) throw error;
      }
    }
    const keys = this.keys as LocalKeySet;
    try {
      return await keys(header, token);
    } catch (error) {
      // A kid the set does not have: perhaps a rotation, so refetch, but at most once per
      // cooldown; until then the token is refused as signed by an unknown key (401).
      if (!isNoMatchingKey(error) || this.now() < this.fetchedAt + cooldown) throw error;
      await this.refresh();
      return (this.keys as LocalKeySet)(header, token);
    }
  };

  /** One fetch for all who wait; none at all while backing off. */
  private refresh(): Promise<void> {
    if (this.pending !== undefined) return this.pending;
    const at = this.now();
    if (at < this.backoff.retryAt) return Promise.reject(this.unavailable(this.lastFailure));
    const pending = this.fetchKeys().then(
      (keys) => {
        this.keys = keys;
        this.fetchedAt = this.now();
        this.backoff.succeeded();
        this.lastFailure = undefined;
      },
      (failure: unknown) => {
        this.backoff.failed(this.now());
        this.lastFailure = failure;
        throw this.unavailable(failure);
      },
    );
    this.pending = pending.finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  private unavailable(cause: unknown): KeySetUnavailableError {
    return new KeySetUnavailableError({ cause, retryAfter: this.backoff.secondsLeft(this.now()) });
  }

  private async fetchKeys(): Promise<LocalKeySet> {
    const { timeout, maxBytes, issuer, allowInsecureHttp } = this.source;
    // One deadline for discovery and key set together; its timer is unref'd.
    const limits = { signal: AbortSignal.timeout(timeout), maxBytes };
    let url = this.jwksUri;
    if (this.source.url === undefined && !(this.now() < this.discoveredAt + DISCOVERY_MAX_AGE)) {
      try {
        url = await discoverJwksUri(issuer, limits, allowInsecureHttp);
        this.jwksUri = url;
        this.discoveredAt = this.now();
      } catch (error) {
        // A key set found earlier is still the best guess while the metadata cannot be had.
        if (url === undefined) throw error;
      }
    }
    const jwks = await fetchJson(url as URL, limits, JWKS_MEDIA_TYPES);
    const keys = (jwks as { keys?: unknown } | null)?.keys;
    if (!Array.isArray(keys) || keys.some((key) => typeof key !== 'object' || key === null || Array.isArray(key)))
      throw new KeySetFetchError(`${(url as URL).href} is not a JSON Web Key Set ({ "keys": [...] })`);
    try {
      return createLocalJWKSet(jwks as JSONWebKeySet);
    } catch (cause) {
      throw new KeySetFetchError(`${(url as URL).href} is not a usable JSON Web Key Set`, { cause });
    }
  }
}
