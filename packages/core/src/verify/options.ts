/**
 * Issuer and verification options, validated once at start-up.
 */
import type { JSONWebKeySet } from 'jose';
import { ConfigurationError } from '../errors.js';
import { type IssuerTokenRules, type NormalizedIssuerRules, normalizeIssuerRules } from './issuer-rules.js';

/**
 * One trusted authorization server. Give exactly one of `jwksUri`, `jwks` or `secret`. The
 * token rules (`tokenTypes`, `requiredClaims`, `scopes`, …) apply to this issuer only.
 */
export interface IssuerOptions extends IssuerTokenRules {
  /** The exact `iss` value (RFC 9068 §4: compared as a string, no normalisation). */
  readonly issuer: string;
  /** Where the issuer's JSON Web Key Set is served (`jwks_uri` in its metadata). */
  readonly jwksUri?: string | URL;
  /** The issuer's public keys, when they are configured rather than fetched. */
  readonly jwks?: JSONWebKeySet;
  /** A shared secret for HMAC-signed tokens. HS* algorithms are accepted only with it. */
  readonly secret?: string | Uint8Array;
  /** Accepted `alg` values. Default: RS256, PS256, ES256, EdDSA (with `secret`: HS256). */
  readonly algorithms?: readonly string[];
  /** Remote key set: fetch timeout in ms. Default 5000. */
  readonly jwksTimeout?: number;
  /** Remote key set: least ms between two refetches triggered by an unknown `kid`. Default 30000. */
  readonly jwksCooldown?: number;
  /** Remote key set: ms after which a fetched key set is fetched again. Default 600000. */
  readonly jwksCacheMaxAge?: number;
}

export const DEFAULT_ALGORITHMS = Object.freeze(['RS256', 'PS256', 'ES256', 'EdDSA']);
const HMAC = new Set(['HS256', 'HS384', 'HS512']);
/** RFC 7518 §3.2: an HMAC key at least as long as the hash output. */
const HMAC_MIN_BYTES: Record<string, number> = { HS256: 32, HS384: 48, HS512: 64 };
const ASYMMETRIC = new Set([
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

export type KeySource =
  | {
      readonly kind: 'remote';
      readonly url: URL;
      readonly timeout: number;
      readonly cooldown: number;
      readonly cacheMaxAge: number;
    }
  | { readonly kind: 'local'; readonly jwks: JSONWebKeySet }
  | { readonly kind: 'secret'; readonly secret: Uint8Array };

export interface NormalizedIssuer {
  readonly issuer: string;
  readonly algorithms: readonly string[];
  readonly keys: KeySource;
  readonly rules: NormalizedIssuerRules;
}

function milliseconds(option: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 0)
    throw new ConfigurationError(option, 'must be a whole number of milliseconds, 0 or more');
  return value;
}

function httpUrl(option: string, value: string | URL): URL {
  let url: URL;
  try {
    url = new URL(String(value));
  } catch {
    throw new ConfigurationError(option, 'must be an absolute URL such as https://as.example.com/jwks');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new ConfigurationError(option, 'must be an http(s) URL');
  return url;
}

export function normalizeIssuer(options: IssuerOptions, at: string): NormalizedIssuer {
  if (typeof options !== 'object' || options === null)
    throw new ConfigurationError(at, 'must be an object with issuer and jwksUri');
  if (typeof options.issuer !== 'string' || options.issuer.length === 0) {
    throw new ConfigurationError(
      `${at}.issuer`,
      "must be the authorization server's issuer identifier, e.g. https://as.example.com",
    );
  }
  const given = (['jwksUri', 'jwks', 'secret'] as const).filter((key) => options[key] !== undefined);
  if (given.length !== 1) {
    throw new ConfigurationError(
      `${at}.jwksUri`,
      `must be set, or else exactly one of jwks or secret (got ${given.join(', ') || 'none'})`,
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
    if (secret === undefined && !ASYMMETRIC.has(alg)) {
      // Never `none`; HMAC only with an explicit secret, which prevents key confusion.
      throw new ConfigurationError(
        `${at}.algorithms`,
        `lists ${String(alg)}; allowed with public keys: ${[...ASYMMETRIC].join(', ')}`,
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
      url: httpUrl(`${at}.jwksUri`, options.jwksUri as string | URL),
      timeout: milliseconds(`${at}.jwksTimeout`, options.jwksTimeout, 5000),
      cooldown: milliseconds(`${at}.jwksCooldown`, options.jwksCooldown, 30_000),
      cacheMaxAge: milliseconds(`${at}.jwksCacheMaxAge`, options.jwksCacheMaxAge, 600_000),
    };
  }
  const rules = normalizeIssuerRules(options, at);
  return Object.freeze({ issuer: options.issuer, algorithms: Object.freeze([...algorithms]), keys, rules });
}
