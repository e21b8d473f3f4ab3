/**
 * Issuer and verification options, validated once at start-up.
 */
import type { JSONWebKeySet } from 'jose';
import { ConfigurationError } from '../errors.js';
import {
  type IntrospectionOptions,
  type NormalizedIntrospection,
  normalizeIntrospection,
} from './introspection-options.js';
import { type IssuerTokenRules, type NormalizedIssuerRules, normalizeIssuerRules } from './issuer-rules.js';
import { fetchableUrl } from './urls.js';

/**
 * One trusted authorization server. Its keys come from `jwksUri`, `jwks` or `secret` (at most
 * one); with none of them, `jwks_uri` is discovered from the issuer's metadata (RFC 8414, then
 * OpenID Connect Discovery). The token rules (`tokenTypes`, `requiredClaims`, `scopes`, …)
 * apply to this issuer only.
 */
export interface IssuerOptions extends IssuerTokenRules {
  /**
   * The exact `iss` value (RFC 9068 §4: compared as a string, no normalisation), an https URL
   * (http only for loopback). A trailing slash is part of it: Auth0's issuers end with one.
   */
  readonly issuer: string;
  /** Where the issuer's JSON Web Key Set is served (`jwks_uri` in its metadata). Default: discovered. */
  readonly jwksUri?: string | URL;
  /** The issuer's public keys, when they are configured rather than fetched. */
  readonly jwks?: JSONWebKeySet;
  /** A shared secret for HMAC-signed tokens. HS* algorithms are accepted only with it. */
  readonly secret?: string | Uint8Array;
  /** Accepted `alg` values. Default: RS256, PS256, ES256, EdDSA (with `secret`: HS256). */
  readonly algorithms?: readonly string[];
  /** Remote key set: ms for one fetch (discovery and key set together). Default 5000. */
  readonly jwksTimeout?: number;
  /** Remote key set: least ms between two refetches triggered by an unknown `kid`. Default 30000. */
  readonly jwksCooldown?: number;
  /** Remote key set: ms after which a fetched key set is fetched again. Default 600000. */
  readonly jwksCacheMaxAge?: number;
  /**
   * Remote key set: ms that keys past `jwksCacheMaxAge` keep serving while refetches fail
   * (stale-if-error); after that, requests fail closed with 503. Default 900000 (15 min); 0: never.
   */
  readonly jwksStaleIfError?: number;
  /** Remote key set: largest response accepted, in bytes (also caps discovery documents). Default 65536. */
  readonly jwksMaxBytes?: number;
  /** Remote key set: ms before the first retry after a failed fetch; it doubles per failure. Default 1000. */
  readonly jwksBackoffInitial?: number;
  /** Remote key set: the longest ms between retries while fetches fail. Default 60000. */
  readonly jwksBackoffMax?: number;
  /**
   * Accept `http:` issuer and key-set URLs (configured or discovered) for hosts other than
   * loopback. Keys fetched in clear text can be replaced on the path. Default false.
   */
  readonly allowInsecureHttp?: boolean;
  /**
   * Token introspection (RFC 7662) at this issuer: opaque tokens (anything but a JWT) are checked
   * there, and so are the JWTs of actions declared with `introspect: true`. Only one issuer
   * may have it: an opaque token does not say who issued it, and must not be sent elsewhere.
   */
  readonly introspection?: IntrospectionOptions;
}

export const DEFAULT_ALGORITHMS = Object.freeze(['RS256', 'PS256', 'ES256', 'EdDSA']);
const HMAC = new Set(['HS256', 'HS384', 'HS512']);
/** RFC 7518 §3.2: an HMAC key at least as long as the hash output. */
const HMAC_MIN_BYTES: Record<string, number> = { HS256: 32, HS384: 48, HS512: 64 };
/** RFC 7518 §3.1 and RFC 8037: the asymmetric JWS algorithms (public-key signatures). */
export const ASYMMETRIC_ALGORITHMS: ReadonlySet<string> = new Set([
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
]);

export interface RemoteKeySource {
  readonly kind: 'remote';
  readonly issuer: string;
  /** The configured key set; undefined when it is discovered from the issuer's metadata. */
  readonly url: URL | undefined;
  readonly allowInsecureHttp: boolean;
  readonly timeout: number;
  readonly cooldown: number;
  readonly cacheMaxAge: number;
  readonly staleIfError: number;
  readonly maxBytes: number;
  readonly backoff: { readonly initial: number; readonly max: number };
}

export type KeySource =
  | RemoteKeySource
  | { readonly kind: 'local'; readonly jwks: JSONWebKeySet }
  | { readonly kind: 'secret'; readonly secret: Uint8Array };

export interface NormalizedIssuer {
  readonly issuer: string;
  readonly algorithms: readonly string[];
  readonly keys: KeySource;
  readonly rules: NormalizedIssuerRules;
  readonly introspection: NormalizedIntrospection | undefined;
}

function milliseconds(
  option: string,
  value: number | undefined,
  fallback: number,
  min = 0,
  unit = 'milliseconds',
): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min)
    throw new ConfigurationError(option, `must be a whole number of ${unit}, ${min} or more`);
  return value;
}

function issuerIdentifier(option: string, value: unknown, allowInsecureHttp: boolean): string {
  if (typeof value !== 'string' || value.length === 0)
    throw new ConfigurationError(
      option,
      "must be the authorization server's issuer identifier, e.g. https://as.example.com",
    );
  const example = /^[\w.-]+(:\d+)?(\/\S*)?$/.test(value) ? `https://${value}` : 'https://as.example.com';
  const url = fetchableUrl(option, value, allowInsecureHttp, example);
  // RFC 8414 §2: an issuer identifier has no query and no fragment.
  if (url.search !== '' || url.hash !== '' || value.includes('?') || value.includes('#'))
    throw new ConfigurationError(option, `must have no query or fragment (RFC 8414 §2): ${url.origin}${url.pathname}`);
  return value;
}

export function normalizeIssuer(options: IssuerOptions, at: string): NormalizedIssuer {
  if (typeof options !== 'object' || options === null)
    throw new ConfigurationError(at, 'must be an object with issuer and jwksUri');
  const allowInsecureHttp = options.allowInsecureHttp ?? false;
  if (typeof allowInsecureHttp !== 'boolean')
    throw new ConfigurationError(`${at}.allowInsecureHttp`, 'must be true or false');
  const issuer = issuerIdentifier(`${at}.issuer`, options.issuer, allowInsecureHttp);
  const given = (['jwksUri', 'jwks', 'secret'] as const).filter((key) => options[key] !== undefined);
  if (given.length > 1) {
    throw new ConfigurationError(
      `${at}.${given[1]}`,
      `cannot be combined with ${given[0]}: give one of jwksUri, jwks or secret (or none, to discover jwks_uri)`,
    );
  }
  const secret = options.secret;
  const algorithms = options.algorithms ?? (secret === undefined ? DEFAULT_ALGORITHMS : ['HS256']);
  if (!Array.isArray(algorithms) || algorithms.length === 0)
    throw new ConfigurationError(`${at}.algorithms`, 'must be a non-empty array');
  for (const alg of algorithms) {
    if (secret !== undefined && !HMAC.has(alg)) {
      throw new ConfigurationError(
        `${at}.algorithms`,
        `lists ${String(alg)}, but with a secret only HS256, HS384 or HS512 can be used`,
      );
    }
    if (secret === undefined && HMAC.has(alg)) {
      // HMAC only with an explicit secret, which prevents key confusion (RFC 8725 §2.1).
      throw new ConfigurationError(
        `${at}.algorithms`,
        `lists ${alg}: ${alg} needs \`secret\` (the key shared with the authorization server, ` +
          `at least ${HMAC_MIN_BYTES[alg]} bytes); for public-key tokens use e.g. RS256`,
      );
    }
    if (secret === undefined && !ASYMMETRIC_ALGORITHMS.has(alg)) {
      // Never `none`.
      throw new ConfigurationError(
        `${at}.algorithms`,
        `lists ${String(alg)}; allowed with public keys: ${[...ASYMMETRIC_ALGORITHMS].join(', ')}`,
      );
    }
  }

  let keys: KeySource;
  if (secret !== undefined) {
    const bytes = typeof secret === 'string' ? new TextEncoder().encode(secret) : secret;
    if (!(bytes instanceof Uint8Array))
      throw new ConfigurationError(`${at}.secret`, 'must be a string or a Uint8Array');
    for (const alg of algorithms) {
      const min = HMAC_MIN_BYTES[alg] ?? 32;
      if (bytes.byteLength < min)
        throw new ConfigurationError(`${at}.secret`, `must be at least ${min} bytes for ${alg} (RFC 7518 §3.2)`);
    }
    keys = { kind: 'secret', secret: bytes };
  } else if (options.jwks !== undefined) {
    if (typeof options.jwks !== 'object' || options.jwks === null || !Array.isArray(options.jwks.keys)) {
      throw new ConfigurationError(`${at}.jwks`, 'must be a JSON Web Key Set: { keys: [...] }');
    }
    keys = { kind: 'local', jwks: options.jwks };
  } else {
    keys = {
      kind: 'remote',
      issuer,
      url:
        options.jwksUri === undefined
          ? undefined
          : fetchableUrl(`${at}.jwksUri`, options.jwksUri, allowInsecureHttp, 'https://as.example.com/jwks'),
      allowInsecureHttp,
      timeout: milliseconds(`${at}.jwksTimeout`, options.jwksTimeout, 5000, 1),
      cooldown: milliseconds(`${at}.jwksCooldown`, options.jwksCooldown, 30_000),
      cacheMaxAge: milliseconds(`${at}.jwksCacheMaxAge`, options.jwksCacheMaxAge, 600_000),
      staleIfError: milliseconds(`${at}.jwksStaleIfError`, options.jwksStaleIfError, 900_000),
      maxBytes: milliseconds(`${at}.jwksMaxBytes`, options.jwksMaxBytes, 65_536, 1024, 'bytes'),
      backoff: {
        initial: milliseconds(`${at}.jwksBackoffInitial`, options.jwksBackoffInitial, 1000, 1),
        max: milliseconds(`${at}.jwksBackoffMax`, options.jwksBackoffMax, 60_000, 1),
      },
    };
    if (keys.backoff.max < keys.backoff.initial)
      throw new ConfigurationError(
        `${at}.jwksBackoffMax`,
        `must be at least jwksBackoffInitial (${keys.backoff.initial})`,
      );
  }
  const rules = normalizeIssuerRules(options, at);
  const introspection =
    options.introspection === undefined
      ? undefined
      : normalizeIntrospection(options.introspection, `${at}.introspection`, allowInsecureHttp);
  return Object.freeze({ issuer, algorithms: Object.freeze([...algorithms]), keys, rules, introspection });
}
