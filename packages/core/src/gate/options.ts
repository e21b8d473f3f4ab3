/**
 * Gate options, checked once at start-up. A mistake throws a `ConfigurationError` that names
 * the option and the fix; nothing is discovered on the first request.
 */
import type { ActionSet } from '../actions/index.js';
import type { DecisionHook } from '../audit/index.js';
import type { ChallengeOptions } from '../challenge/refusal.js';
import { isChallengeValue } from '../challenge/render.js';
import { type DpopOptions, type NormalizedDpop, normalizeDpop } from '../dpop/options.js';
import { ConfigurationError } from '../errors.js';
import type { ExtractOptions } from '../extract/index.js';
import { metadataUrlFor, parseResourceIdentifier } from '../metadata/index.js';
import type { ReplayStore } from '../replay/types.js';
import type { RevocationHook, RevocationStore } from '../revocation/types.js';
import { DEFAULT_SCOPE_SOURCE, type ScopeSource, validateScopeSource } from '../scopes/index.js';
import { DEFAULT_TOKEN_CACHE, type TokenCacheOptions } from '../verify/cache.js';
import { RFC9068_REQUIRED_CLAIMS } from '../verify/claims.js';
import { normalizeTyp, type VerifierOptions } from '../verify/index.js';
import { type IssuerOptions, normalizeIssuer } from '../verify/options.js';

/**
 * Options of {@link createGate}. Only `actions`, `resource` and `issuers` are required; the
 * defaults follow RFC 9068 (`typ: at+jwt`) and RFC 6750 (header-only tokens).
 */
export interface GateOptions<N extends string = string> {
  /** The actions from `defineActions()`. */
  readonly actions: ActionSet<N>;
  /** This resource's identifier (RFC 8707, RFC 9728 `resource`), e.g. `https://api.example.com`. */
  readonly resource: string;
  /** Accepted `aud` values; the token's `aud` must contain one. Default: `resource`. */
  readonly audience?: string | readonly string[];
  /** The trusted authorization servers, each with its own keys. */
  readonly issuers: readonly IssuerOptions[];
  /** Clock skew allowed on `exp`, `nbf` and a future `iat`, in seconds. Default 60. */
  readonly clockTolerance?: number;
  /** Longest token accepted, in bytes, checked before parsing. Default 8192. */
  readonly maxTokenBytes?: number;
  /** Also accept `typ: JWT` (tokens from servers that predate RFC 9068). Default false. */
  readonly acceptJwtTyp?: boolean;
  /** Claims every token must carry. Default: RFC 9068 §2.2 (iss, exp, aud, sub, client_id, iat, jti). */
  readonly requiredClaims?: readonly string[];
  /** Where scopes come from: claim names tried in order, or a function. Default `['scope', 'scp']`. */
  readonly scopes?: ScopeSource;
  /** RFC 6750 §2.2 and §2.3 token methods; both off by default, and refused with 400 while off. */
  readonly tokenMethods?: { readonly body?: boolean; readonly query?: boolean };
  /** The challenges' `realm` (RFC 9110 §11.5). Default: none. */
  readonly realm?: string;
  /**
   * The challenges' `resource_metadata` (RFC 9728 §5.1): `true` (default) for the URL derived
   * from `resource`, a string for another URL, `false` to leave it out.
   */
  readonly resourceMetadata?: boolean | string;
  /** What challenges disclose: `scope` (default true) and `error_description` (default true). */
  readonly challenge?: { readonly scope?: boolean; readonly description?: boolean };
  /**
   * `Retry-After` seconds on a 503. Default 5. While a key set's fetches back off, the backoff
   * left is sent instead when it is longer.
   */
  readonly retryAfter?: number;
  /** Called once per decision; may not change it. */
  readonly onDecision?: DecisionHook;
  /** Extra RFC 9728 metadata members (`resource_name`, `resource_documentation`, …). */
  readonly metadata?: Readonly<Record<string, unknown>>;
  /** The clock, in milliseconds since the epoch. Default `Date.now`. */
  readonly now?: () => number;
  /**
   * Where single-use token ids are recorded. Default: an in-memory store (one process only);
   * use `@actiongate/redis` for a fleet.
   */
  readonly replayStore?: ReplayStore;
  /** A replay store slower than this many ms fails the request closed with 503. Default 1000. */
  readonly replayTimeout?: number;
  /**
   * The verified-token cache (on by default): `{ ttl: 60, maxEntries: 10000, maxBytes: 16 MiB }`,
   * or `false` to verify every request's signature afresh.
   */
  readonly tokenCache?: false | TokenCacheOptions;
  /**
   * DPoP (RFC 9449): `true` or {@link DpopOptions} to accept `Authorization: DPoP` with a proof
   * beside `Bearer`; `{ accept: 'only' }` to require it everywhere. Default off. Proof `jti`s are
   * recorded in `replayStore`. A DPoP-bound token (`cnf.jkt`) sent as `Bearer` is always refused.
   */
  readonly dpop?: boolean | DpopOptions;
  /**
   * A deny list consulted on every request (`MemoryRevocationStore`, or `RedisRevocationStore`
   * for a fleet): a revoked token gets 401 `invalid_token` (`token_revoked`); a store that
   * cannot answer, 503. Default: none.
   */
  readonly revocation?: RevocationStore;
  /** The app's own revocation check, run on every request after the store's. Default: none. */
  readonly isRevoked?: RevocationHook;
  /** A revocation store and hook slower than this many ms fail the request closed with 503. Default 1000. */
  readonly revocationTimeout?: number;
  /** The claim that names a token's grant (or session), for `revoke({ grantId })`. Default `grant_id`. */
  readonly grantIdClaim?: string;
}

/** Validated options: what the verifier, the extractor and the challenges each need, and the rest. */
export interface NormalizedGateOptions extends VerifierOptions, ExtractOptions, ChallengeOptions {
  readonly resource: string;
  readonly replayStore: ReplayStore | undefined;
  readonly replayTimeout: number;
  readonly tokenCache: false | Required<TokenCacheOptions>;
  readonly dpop: NormalizedDpop | undefined;
  readonly revocation: RevocationStore | undefined;
  readonly isRevoked: RevocationHook | undefined;
  readonly revocationTimeout: number;
  readonly grantIdClaim: string;
}

const KNOWN = new Set([
  'actions',
  'resource',
  'audience',
  'issuers',
  'clockTolerance',
  'maxTokenBytes',
  'acceptJwtTyp',
  'requiredClaims',
  'scopes',
  'tokenMethods',
  'realm',
  'resourceMetadata',
  'challenge',
  'retryAfter',
  'onDecision',
  'metadata',
  'now',
  'replayStore',
  'replayTimeout',
  'tokenCache',
  'dpop',
  'revocation',
  'isRevoked',
  'revocationTimeout',
  'grantIdClaim',
]);

function wholeNumber(option: string, value: unknown, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new ConfigurationError(option, `must be a whole number, ${min} or more`);
  }
  return value;
}

function flag(option: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new ConfigurationError(option, 'must be true or false');
  return value;
}

function challengeText(option: string, value: string): string {
  if (!isChallengeValue(value)) {
    throw new ConfigurationError(option, 'may contain only printable ASCII without `"` or `\\` (RFC 6750 §3)');
  }
  return value;
}

function tokenCacheOptions(value: GateOptions['tokenCache']): false | Required<TokenCacheOptions> {
  if (value === false) return false;
  if (value !== undefined && (typeof value !== 'object' || value === null)) {
    throw new ConfigurationError('tokenCache', 'must be false or { ttl, maxEntries, maxBytes }');
  }
  return {
    ttl: wholeNumber('tokenCache.ttl', value?.ttl, DEFAULT_TOKEN_CACHE.ttl, 1),
    maxEntries: wholeNumber('tokenCache.maxEntries', value?.maxEntries, DEFAULT_TOKEN_CACHE.maxEntries, 1),
    maxBytes: wholeNumber('tokenCache.maxBytes', value?.maxBytes, DEFAULT_TOKEN_CACHE.maxBytes, 1024),
  };
}

/**
 * RFC 9728 §3 and RFC 8707 §2: `resource` is a URL (the metadata is served under it). A token's
 * `aud` may be any string, a URN included: that is what `audience` is for.
 */
function resourceUrl(value: unknown): void {
  if (typeof value === 'string' && value.length > 0 && !/^https?:\/\//i.test(value)) {
    throw new ConfigurationError(
      'resource',
      `must be the https URL of this API (RFC 9728 §3), not ${JSON.stringify(value.slice(0, 100))}; ` +
        `if your tokens' aud is ${JSON.stringify(value.slice(0, 100))}, set audience: ${JSON.stringify(value.slice(0, 100))} ` +
        "and resource: 'https://api.example.com' (the API's URL)",
    );
  }
  parseResourceIdentifier(value, 'resource');
}

export function normalizeGateOptions(options: GateOptions): NormalizedGateOptions {
  if (typeof options !== 'object' || options === null) throw new ConfigurationError('options', 'must be an object');
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) throw new ConfigurationError(key, `is not a known option (known: ${[...KNOWN].join(', ')})`);
  }
  if (typeof options.actions?.get !== 'function') {
    throw new ConfigurationError('actions', 'must be the result of defineActions({...})');
  }
  resourceUrl(options.resource);
  const resource = challengeText('resource', options.resource);

  const audience = options.audience === undefined ? [resource] : [options.audience].flat();
  if (audience.length === 0 || audience.some((aud) => typeof aud !== 'string' || aud.length === 0)) {
    throw new ConfigurationError('audience', 'must be a non-empty string or array of strings');
  }
  if (!Array.isArray(options.issuers) || options.issuers.length === 0) {
    throw new ConfigurationError('issuers', 'must list at least one trusted issuer: [{ issuer, jwksUri }]');
  }
  const issuers = options.issuers.map((issuer, i) => normalizeIssuer(issuer, `issuers[${i}]`));
  const seen = new Set<string>();
  for (const [i, { issuer }] of issuers.entries()) {
    if (seen.has(issuer))
      throw new ConfigurationError(`issuers[${i}].issuer`, `repeats ${issuer}; list each issuer once`);
    seen.add(issuer);
  }

  const requiredClaims = options.requiredClaims ?? RFC9068_REQUIRED_CLAIMS;
  if (!Array.isArray(requiredClaims) || requiredClaims.some((claim) => typeof claim !== 'string')) {
    throw new ConfigurationError('requiredClaims', 'must be an array of claim names');
  }
  const scopeSource = validateScopeSource('scopes', options.scopes ?? DEFAULT_SCOPE_SOURCE);

  let resourceMetadata: string | undefined;
  const rm = options.resourceMetadata ?? true;
  if (rm === true) resourceMetadata = challengeText('resource', metadataUrlFor(resource));
  else if (typeof rm === 'string') {
    parseResourceIdentifier(rm, 'resourceMetadata');
    resourceMetadata = challengeText('resourceMetadata', rm);
  } else if (rm !== false) throw new ConfigurationError('resourceMetadata', 'must be true, false or a URL');

  const acceptJwtTyp = flag('acceptJwtTyp', options.acceptJwtTyp, false);
  const now = options.now ?? Date.now;
  if (typeof now !== 'function') throw new ConfigurationError('now', 'must be a function returning milliseconds');
  const replayStore = options.replayStore;
  if (
    replayStore !== undefined &&
    (typeof replayStore?.consume !== 'function' || typeof replayStore.release !== 'function')
  ) {
    throw new ConfigurationError(
      'replayStore',
      'must have consume(key, use) and release(key, attempt) methods, e.g. new MemoryReplayStore()',
    );
  }
  const revocation = options.revocation;
  if (
    revocation !== undefined &&
    (typeof revocation?.isRevoked !== 'function' || typeof revocation.revoke !== 'function')
  ) {
    throw new ConfigurationError(
      'revocation',
      'must have isRevoked(query) and revoke(revocation) methods, e.g. new MemoryRevocationStore()',
    );
  }
  if (options.isRevoked !== undefined && typeof options.isRevoked !== 'function') {
    throw new ConfigurationError('isRevoked', 'must be a function (token) => boolean | Promise<boolean>');
  }
  const grantIdClaim = options.grantIdClaim ?? 'grant_id';
  if (typeof grantIdClaim !== 'string' || grantIdClaim.length === 0) {
    throw new ConfigurationError('grantIdClaim', 'must be a claim name, e.g. grant_id or sid');
  }
  if (options.onDecision !== undefined && typeof options.onDecision !== 'function') {
    throw new ConfigurationError('onDecision', 'must be a function');
  }

  const dpop = normalizeDpop(options.dpop, resource);
  return {
    resource,
    audience,
    acceptDpop: dpop !== undefined,
    issuers,
    clockTolerance: wholeNumber('clockTolerance', options.clockTolerance, 60, 0),
    maxTokenBytes: wholeNumber('maxTokenBytes', options.maxTokenBytes, 8192, 16),
    tokenTypes: new Set(acceptJwtTyp ? ['application/at+jwt', normalizeTyp('JWT')] : ['application/at+jwt']),
    requiredClaims: Object.freeze([...requiredClaims]),
    scopeSource,
    allowBodyToken: flag('tokenMethods.body', options.tokenMethods?.body, false),
    allowQueryToken: flag('tokenMethods.query', options.tokenMethods?.query, false),
    realm: options.realm === undefined ? undefined : challengeText('realm', options.realm),
    resourceMetadata,
    includeScope: flag('challenge.scope', options.challenge?.scope, true),
    includeDescription: flag('challenge.description', options.challenge?.description, true),
    retryAfter: wholeNumber('retryAfter', options.retryAfter, 5, 0),
    now,
    replayStore,
    replayTimeout: wholeNumber('replayTimeout', options.replayTimeout, 1000, 1),
    tokenCache: tokenCacheOptions(options.tokenCache),
    dpop,
    revocation,
    isRevoked: options.isRevoked,
    revocationTimeout: wholeNumber('revocationTimeout', options.revocationTimeout, 1000, 1),
    grantIdClaim,
  };
}
