/**
 * Options of token introspection (RFC 7662) for one issuer, validated once at start-up.
 * A token that is not a JWT is sent to the issuer's introspection endpoint; an action marked
 * `introspect: true` also has its JWTs checked there (a revocation check).
 */
import { ConfigurationError } from '../errors.js';
import { fetchableUrl } from './urls.js';

/** RFC 7591 §2 / OpenID Connect Core §9: how this resource server authenticates at the endpoint. */
export type IntrospectionClientAuth = 'client_secret_basic' | 'client_secret_post';

/** The media types an introspection response may be asked for (RFC 7662 §2.2, RFC 9701 §4). */
export type IntrospectionAccept = 'application/json' | 'application/token-introspection+jwt';

/**
 * An issuer's RFC 7662 introspection endpoint (`issuers[].introspection`): where opaque tokens are
 * checked, how this resource authenticates there, and how long answers are kept.
 */
export interface IntrospectionOptions {
  /** The issuer's `introspection_endpoint`: https, or http to a loopback host only. */
  readonly url: string | URL;
  /** This resource server's client id at the authorization server. */
  readonly clientId: string;
  /** Its client secret. */
  readonly clientSecret: string;
  /** Default `client_secret_basic` (RFC 6749 §2.3.1). */
  readonly clientAuth?: IntrospectionClientAuth;
  /**
   * `application/json` (default), or `application/token-introspection+jwt` for a response signed
   * by the issuer (RFC 9701), verified with the issuer's keys.
   */
  readonly accept?: IntrospectionAccept;
  /** Ms for one request. Default 5000. */
  readonly timeout?: number;
  /**
   * Seconds an active answer is reused, never past the token's `exp`. Default 30; at most 60, so
   * that a token revoked at the authorization server is refused within a minute.
   */
  readonly cacheTtl?: number;
  /** Seconds an inactive answer is reused. Default 5; 0 keeps none. */
  readonly negativeCacheTtl?: number;
  /** Most answers kept. Default 10000. */
  readonly maxEntries?: number;
  /** Largest response accepted, in bytes. Default 16384. */
  readonly maxBytes?: number;
  /** Ms before the first retry after the endpoint failed; it doubles per failure. Default 1000. */
  readonly backoffInitial?: number;
  /** The longest ms between retries while the endpoint fails. Default 30000. */
  readonly backoffMax?: number;
  /**
   * Most requests to the endpoint at once (distinct tokens; one token's lookups share one). A
   * lookup beyond it is refused with 503 + Retry-After rather than sent, so that a flood of made-up
   * opaque tokens cannot become a flood on the authorization server. Default 64.
   */
  readonly maxConcurrent?: number;
}

export interface NormalizedIntrospection {
  readonly url: URL;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly clientAuth: IntrospectionClientAuth;
  readonly accept: IntrospectionAccept;
  readonly timeout: number;
  /** Seconds. */
  readonly cacheTtl: number;
  /** Seconds. */
  readonly negativeCacheTtl: number;
  readonly maxEntries: number;
  readonly maxBytes: number;
  readonly backoff: { readonly initial: number; readonly max: number };
  readonly maxConcurrent: number;
}

const KNOWN = new Set([
  'url',
  'clientId',
  'clientSecret',
  'clientAuth',
  'accept',
  'timeout',
  'cacheTtl',
  'negativeCacheTtl',
  'maxEntries',
  'maxBytes',
  'backoffInitial',
  'backoffMax',
  'maxConcurrent',
]);

/** The contract: a revoked token is refused within at most 60 s. */
export const MAX_INTROSPECTION_CACHE_TTL = 60;

function whole(option: string, value: unknown, fallback: number, min: number, max: number, unit: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max)
    throw new ConfigurationError(option, `must be a whole number of ${unit} from ${min} to ${max}`);
  return value;
}

function text(option: string, value: unknown, what: string): string {
  if (typeof value !== 'string' || value.length === 0) throw new ConfigurationError(option, `must be ${what}`);
  return value;
}

export function normalizeIntrospection(
  options: IntrospectionOptions,
  at: string,
  allowInsecureHttp: boolean,
): NormalizedIntrospection {
  if (typeof options !== 'object' || options === null)
    throw new ConfigurationError(at, 'must be an object: { url, clientId, clientSecret }');
  for (const key of Object.keys(options))
    if (!KNOWN.has(key))
      throw new ConfigurationError(`${at}.${key}`, `is not a known option (known: ${[...KNOWN].join(', ')})`);
  const url = fetchableUrl(`${at}.url`, options.url, allowInsecureHttp, 'https://as.example.com/introspect');
  const clientId = text(`${at}.clientId`, options.clientId, "this resource server's client id at the issuer");
  const clientSecret = text(`${at}.clientSecret`, options.clientSecret, "this resource server's client secret");
  const clientAuth = options.clientAuth ?? 'client_secret_basic';
  if (clientAuth !== 'client_secret_basic' && clientAuth !== 'client_secret_post')
    throw new ConfigurationError(`${at}.clientAuth`, "must be 'client_secret_basic' or 'client_secret_post'");
  const accept = options.accept ?? 'application/json';
  if (accept !== 'application/json' && accept !== 'application/token-introspection+jwt')
    throw new ConfigurationError(
      `${at}.accept`,
      "must be 'application/json' or 'application/token-introspection+jwt' (RFC 9701)",
    );
  const initial = whole(`${at}.backoffInitial`, options.backoffInitial, 1000, 1, 3_600_000, 'milliseconds');
  const max = whole(`${at}.backoffMax`, options.backoffMax, 30_000, 1, 3_600_000, 'milliseconds');
  if (max < initial) throw new ConfigurationError(`${at}.backoffMax`, `must be at least backoffInitial (${initial})`);
  return Object.freeze({
    url,
    clientId,
    clientSecret,
    clientAuth,
    accept,
    timeout: whole(`${at}.timeout`, options.timeout, 5000, 1, 60_000, 'milliseconds'),
    cacheTtl: whole(`${at}.cacheTtl`, options.cacheTtl, 30, 0, MAX_INTROSPECTION_CACHE_TTL, 'seconds'),
    negativeCacheTtl: whole(`${at}.negativeCacheTtl`, options.negativeCacheTtl, 5, 0, 60, 'seconds'),
    maxEntries: whole(`${at}.maxEntries`, options.maxEntries, 10_000, 1, 10_000_000, 'entries'),
    maxBytes: whole(`${at}.maxBytes`, options.maxBytes, 16_384, 1024, 1_048_576, 'bytes'),
    backoff: Object.freeze({ initial, max }),
    maxConcurrent: whole(`${at}.maxConcurrent`, options.maxConcurrent, 64, 1, 10_000, 'requests'),
  });
}
