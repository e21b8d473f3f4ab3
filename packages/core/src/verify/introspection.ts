/**
 * Token introspection (RFC 7662) for one issuer, with the cache that keeps it affordable:
 * - answers are kept in a bounded LRU keyed by the SHA-256 of the token (never the token);
 *   an active answer for at most `cacheTtl` seconds and never past its `exp`, an inactive one
 *   for `negativeCacheTtl` seconds; a failure is never kept;
 * - concurrent lookups of one token share one request;
 * - an endpoint that cannot answer fails the request closed (503 + `Retry-After`) and starts a
 *   jittered, capped backoff during which no request is sent; answers cached earlier keep
 *   serving until their own lifetime ends;
 * - with `accept: 'application/token-introspection+jwt'`, the answer is a JWT signed by the
 *   issuer (RFC 9701), verified with the issuer's keys before a member of it is read.
 * Every time comes from the gate's clock; no timer is left behind.
 */
import { type JWTPayload, jwtVerify } from 'jose';
import { LRUCache } from 'lru-cache';
import { IntrospectionUnavailableError, KeySetUnavailableError, TokenRejectedError } from '../errors.js';
import { Backoff } from './backoff.js';
import { checkTimes } from './claims.js';
import type { VerifiedToken } from './index.js';
import { IntrospectionFetchError, requestIntrospection } from './introspection-fetch.js';
import type { NormalizedIntrospection } from './introspection-options.js';
import {
  type IntrospectionAnswer,
  parseIntrospectionResponse,
  verifiedFromIntrospection,
} from './introspection-response.js';
import type { EffectiveRules } from './issuer-checks.js';
import type { VerificationKey } from './keys.js';

export interface IntrospectorOptions {
  readonly issuer: string;
  readonly config: NormalizedIntrospection;
  /** The issuer's rules, with `requiredClaims` as they apply to introspection responses. */
  readonly rules: EffectiveRules;
  /** The issuer's keys and algorithms, for RFC 9701 responses. */
  readonly key: VerificationKey;
  readonly algorithms: readonly string[];
  /** Seconds. */
  readonly clockTolerance: number;
  /** Milliseconds since the epoch. */
  readonly now: () => number;
  readonly random?: () => number;
}

interface Entry {
  readonly answer: IntrospectionAnswer;
  /** Estimated memory: the answer serialised, plus the entry's own. */
  readonly bytes: number;
  /** Clock ms from which the endpoint is asked again. */
  readonly until: number;
  /** The answer read as a verified token, once; or why it is refused. */
  verified?: VerifiedToken;
  refusal?: TokenRejectedError;
}

/** The most memory the cached answers may take, estimated. */
const CACHE_MAX_BYTES = 32 * 1024 * 1024;
const ENTRY_OVERHEAD = 512;

/** RFC 9701 §5: the media type of a signed introspection response, as its `typ`. */
const JWT_RESPONSE_TYPE = 'token-introspection+jwt';
type SyncHash = (token: string) => string;

/**
 * Node's synchronous SHA-256 where there is one (`process.getBuiltinModule`, Node 20.16+): Web
 * Crypto's digest goes through a thread pool and costs a cache hit tens of microseconds.
 */
const nodeHash: SyncHash | undefined = (() => {
  const get = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule;
  const crypto = get?.('node:crypto') as
    | { createHash(alg: string): { update(data: string): { digest(encoding: 'base64'): string } } }
    | undefined;
  return crypto === undefined ? undefined : (token) => crypto.createHash('sha256').update(token).digest('base64');
})();

/** The cache key: a token's SHA-256, so that a dump of the cache gives no usable token. */
async function subtleHash(token: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token)));
  let key = '';
  for (const byte of digest) key += String.fromCharCode(byte);
  return key;
}

const tokenDigest = (token: string): string | Promise<string> =>
  nodeHash === undefined ? subtleHash(token) : nodeHash(token);

export class Introspector {
  private readonly cache: LRUCache<string, Entry>;
  private readonly pending = new Map<string, Promise<Entry>>();
  private readonly backoff: Backoff;
  private lastFailure: unknown;
  /** Endpoint requests sent, for tests and metrics. */
  requests = 0;

  constructor(private readonly options: IntrospectorOptions) {
    this.cache = new LRUCache<string, Entry>({
      max: options.config.maxEntries,
      // Each answer may be up to `maxBytes`: the count alone would not bound the memory.
      maxSize: CACHE_MAX_BYTES,
      sizeCalculation: (entry) => entry.bytes,
    });
    this.backoff = new Backoff(options.config.backoff, options.random);
  }

  get issuer(): string {
    return this.options.issuer;
  }

  /**
   * A token that is not a JWT: the endpoint's answer stands for its claims. A cache hit answers
   * synchronously (where a synchronous hash exists), as the JWT cache does.
   */
  verify(token: string): VerifiedToken | Promise<VerifiedToken> {
    const digest = tokenDigest(token);
    if (typeof digest === 'string') {
      const hit = this.fresh(digest);
      if (hit !== undefined) return this.read(hit);
    }
    return this.lookup(digest, token).then((entry) => this.read(entry));
  }

  private read(entry: Entry): VerifiedToken {
    const { now, clockTolerance, issuer, rules } = this.options;
    if (!entry.answer.active) throw new TokenRejectedError('token_inactive');
    if (entry.refusal !== undefined) throw entry.refusal;
    const seconds = Math.floor(now() / 1000);
    if (entry.verified === undefined) {
      try {
        entry.verified = verifiedFromIntrospection(entry.answer.claims, issuer, rules, seconds, clockTolerance);
      } catch (error) {
        // Kept for the entry's life, except a refusal by the clock, which the clock may lift.
        if (error instanceof TokenRejectedError && error.reason !== 'token_not_yet_valid') entry.refusal = error;
        throw error;
      }
      return entry.verified;
    }
    // As for a cached JWT: the clock checks run on every request.
    const refusal = checkTimes(entry.verified.claims, seconds, clockTolerance);
    if (refusal !== undefined) throw new TokenRejectedError(refusal);
    return entry.verified;
  }

  /**
   * A verified JWT, for an action that wants it checked: the authorization server must still
   * call it active (RFC 7662 §2.2; a revoked token is inactive), and an answer naming another
   * issuer is refused.
   */
  async checkActive(token: string): Promise<void> {
    const entry = await this.lookup(tokenDigest(token), token);
    if (!entry.answer.active) throw new TokenRejectedError('token_inactive');
    const iss = entry.answer.claims.iss;
    if (iss !== undefined && iss !== this.options.issuer) throw new TokenRejectedError('token_issuer');
  }

  /** The cached answer while it lives; an expired one is dropped. */
  private fresh(key: string): Entry | undefined {
    const hit = this.cache.get(key);
    if (hit === undefined) return undefined;
    if (this.options.now() < hit.until) return hit;
    this.cache.delete(key);
    return undefined;
  }

  private async lookup(digest: string | Promise<string>, token: string): Promise<Entry> {
    const key = typeof digest === 'string' ? digest : await digest;
    const hit = this.fresh(key);
    if (hit !== undefined) return hit;
    const waiting = this.pending.get(key);
    if (waiting !== undefined) return waiting;
    const at = this.options.now();
    if (at < this.backoff.retryAt) throw this.unavailable(this.lastFailure);
    // Bounded fan-out: beyond `maxConcurrent` distinct lookups in flight, fail closed (503) at once.
    if (this.pending.size >= this.options.config.maxConcurrent) throw this.unavailable(undefined);
    const pending = this.ask(token).then(
      (answer) => {
        this.backoff.succeeded();
        this.lastFailure = undefined;
        return this.keep(key, answer);
      },
      (failure: unknown) => {
        // A key set that cannot be had (RFC 9701) is the key set's outage, reported as such.
        if (failure instanceof KeySetUnavailableError) throw failure;
        this.backoff.failed(this.options.now());
        this.lastFailure = failure;
        throw this.unavailable(failure);
      },
    );
    const shared = pending.finally(() => this.pending.delete(key));
    this.pending.set(key, shared);
    return shared;
  }

  private keep(key: string, answer: IntrospectionAnswer): Entry {
    const { config, now } = this.options;
    const at = now();
    let until: number;
    if (answer.active) {
      const exp = answer.claims.exp;
      until = at + config.cacheTtl * 1000;
      // Never past `exp`: an expired token's answer would be stale by definition.
      if (typeof exp === 'number' && Number.isFinite(exp)) until = Math.min(until, exp * 1000);
    } else until = at + config.negativeCacheTtl * 1000;
    const bytes = ENTRY_OVERHEAD + (answer.active ? JSON.stringify(answer.claims).length : 0);
    const entry: Entry = { answer, until, bytes };
    if (until > at) this.cache.set(key, entry);
    return entry;
  }

  private async ask(token: string): Promise<IntrospectionAnswer> {
    this.requests++;
    const { config } = this.options;
    const body = await requestIntrospection(config, token);
    if (config.accept === 'application/json') return parseIntrospectionResponse(body, config.url.href);
    return parseIntrospectionResponse(await this.verifySigned(body as string), config.url.href);
  }

  /**
   * RFC 9701 §5: `typ`, signature by the issuer's keys, `iss` the issuer, and an `aud` that
   * identifies this resource server: its client id, or (oidc-provider's choice) its resource.
   */
  private async verifySigned(jwt: string): Promise<unknown> {
    const { issuer, key, algorithms, config, clockTolerance, now, rules } = this.options;
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(jwt, key as Parameters<typeof jwtVerify>[1], {
        issuer,
        audience: [config.clientId, ...rules.audience],
        typ: JWT_RESPONSE_TYPE,
        algorithms: algorithms as string[],
        clockTolerance,
        currentDate: new Date(now()),
      }));
    } catch (cause) {
      if (cause instanceof KeySetUnavailableError) throw cause;
      throw new IntrospectionFetchError(`${config.url.href} answered a JWT that does not verify (RFC 9701)`, {
        cause,
      });
    }
    return payload.token_introspection;
  }

  private unavailable(cause: unknown): IntrospectionUnavailableError {
    return new IntrospectionUnavailableError({ cause, retryAfter: this.backoff.secondsLeft(this.options.now()) });
  }
}
