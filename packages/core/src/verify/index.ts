/**
 * Access token verification: RFC 9068 JWT access tokens, signature and claims by `jose`.
 *
 * Order: size (before any parsing), structure, `typ`, issuer selection by the unverified
 * `iss`, then signature and claims against that issuer's keys only, then claim types.
 * Every failure is a `TokenRejectedError` with a fixed reason, or a `KeySetUnavailableError`.
 */
import { decodeJwt, decodeProtectedHeader, type JWTPayload, type JWTVerifyOptions, jwtVerify } from 'jose';
import type { RefusalCode } from '../challenge/codes.js';
import { KeySetUnavailableError, TokenRejectedError } from '../errors.js';
import type { ScopeSource } from '../scopes/index.js';
import {
  checkIssuerClaims,
  checkTokenType,
  type EffectiveRules,
  effectiveRules,
  joseDetail,
  rejectWith,
  unknownIssuer,
} from './issuer-checks.js';

export { normalizeTyp } from './issuer-rules.js';

import { refusalForJoseError } from './jose-errors.js';
import { type VerificationKey, verificationKey } from './keys.js';
import type { NormalizedIssuer } from './options.js';

/** RFC 9068 §2.2 claims, as this library has checked their types. */
export interface AccessTokenClaims extends JWTPayload {
  readonly iss: string;
  readonly exp: number;
  readonly aud?: string | string[];
  readonly sub?: string;
  readonly client_id?: string;
  readonly iat?: number;
  readonly jti?: string;
  readonly scope?: string;
  readonly acr?: string;
  readonly auth_time?: number;
}

/** A token whose signature, issuer, audience, type and times have been checked, with its scopes read. */
export interface VerifiedToken {
  readonly claims: AccessTokenClaims;
  /** The issuer the token was verified against. */
  readonly issuer: string;
  readonly scopes: ReadonlySet<string>;
  /** The client, read from the issuer's `clientIdClaim` (`client_id`, `azp`, `cid` or `appid`). */
  readonly clientId?: string;
  /** The token's identifier, read from the issuer's `tokenIdClaim` (`jti`, or Entra ID's `uti`). */
  readonly tokenId?: string;
  /** True when an introspection response (RFC 7662) stands for the claims: the token is opaque. */
  readonly introspected?: boolean;
}

export interface VerifierOptions {
  readonly issuers: readonly NormalizedIssuer[];
  readonly audience: readonly string[];
  /** Seconds. */
  readonly clockTolerance: number;
  readonly maxTokenBytes: number;
  /** Accepted `typ` values, normalised by `normalizeTyp`. */
  readonly tokenTypes: ReadonlySet<string>;
  readonly requiredClaims: readonly string[];
  readonly scopeSource: ScopeSource;
  /** Milliseconds since the epoch. */
  readonly now: () => number;
}

/** Verifies a token; a cached result may come back synchronously. Failures throw or reject. */
export type Verifier = (token: string) => VerifiedToken | Promise<VerifiedToken>;

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const member of Object.values(value)) deepFreeze(member);
  }
  return value;
}

/** How many keys to try when a key set has several that fit a token without `kid`. */
const MAX_CANDIDATE_KEYS = 8;

interface PreparedIssuer extends NormalizedIssuer {
  readonly key: VerificationKey;
  readonly effective: EffectiveRules;
}

const reject = (reason: RefusalCode, cause?: unknown): TokenRejectedError => new TokenRejectedError(reason, { cause });

function countDots(token: string): number {
  let dots = 0;
  for (let i = token.indexOf('.'); i !== -1; i = token.indexOf('.', i + 1)) dots++;
  return dots;
}

async function verifyWithCandidates(token: string, error: unknown, options: JWTVerifyOptions) {
  // `jose` leaves the choice among several fitting keys (a token without `kid`) to the caller.
  const candidates = error as AsyncIterable<Uint8Array>;
  let tried = 0;
  for await (const key of candidates) {
    if (++tried > MAX_CANDIDATE_KEYS) break;
    try {
      return await jwtVerify(token, key, options);
    } catch (failure) {
      if ((failure as { code?: unknown }).code !== 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED') throw failure;
    }
  }
  throw reject('token_signature', error);
}

export function createVerifier(options: VerifierOptions): Verifier {
  const issuers = new Map<string, PreparedIssuer>();
  for (const issuer of options.issuers) {
    const effective = effectiveRules(issuer, options);
    issuers.set(issuer.issuer, { ...issuer, key: verificationKey(issuer.keys, options.now), effective });
  }
  const only = issuers.size === 1 ? [...issuers.values()][0] : undefined;
  const trusted = [...issuers.keys()];
  // Before the issuer is known, a `typ` no trusted issuer accepts is refused at once.
  const anyIssuer = {
    tokenTypes: new Set([...issuers.values()].flatMap((issuer) => [...issuer.effective.tokenTypes])),
    untyped: [...issuers.values()].some((issuer) => issuer.effective.untyped),
  };

  function pickIssuer(token: string): PreparedIssuer {
    if (only !== undefined) return only; // `jose` compares `iss` exactly
    let iss: unknown;
    try {
      iss = decodeJwt(token).iss;
    } catch (cause) {
      throw reject('token_malformed', cause);
    }
    const issuer = typeof iss === 'string' ? issuers.get(iss) : undefined;
    if (issuer === undefined) throw unknownIssuer(iss, trusted);
    return issuer;
  }

  return async function verify(token: string): Promise<VerifiedToken> {
    // The limit comes before any decoding: an oversized token costs nothing to refuse.
    if (token.length > options.maxTokenBytes) throw reject('token_too_large');
    // RFC 7515 §7.1: a JWS compact serialization has three parts; five would be a JWE.
    if (countDots(token) !== 2) throw reject('token_malformed');
    let typ: unknown;
    try {
      typ = decodeProtectedHeader(token).typ;
    } catch (cause) {
      throw reject('token_malformed', cause);
    }
    checkTokenType(typ, anyIssuer);

    const issuer = pickIssuer(token);
    const rules = issuer.effective;
    if (issuer !== only) checkTokenType(typ, rules);
    const nowMs = options.now();
    const verifyOptions: JWTVerifyOptions = {
      issuer: issuer.issuer,
      // Cognito's audience is its `client_id`, checked with the other claims below.
      ...(rules.audienceClaim === 'aud' ? { audience: rules.audience as string[] } : {}),
      algorithms: issuer.algorithms as string[],
      clockTolerance: options.clockTolerance,
      currentDate: new Date(nowMs),
    };
    let claims: JWTPayload;
    try {
      try {
        claims = (await jwtVerify(token, issuer.key, verifyOptions)).payload;
      } catch (error) {
        if ((error as { code?: unknown }).code !== 'ERR_JWKS_MULTIPLE_MATCHING_KEYS') throw error;
        claims = (await verifyWithCandidates(token, error, verifyOptions)).payload;
      }
    } catch (error) {
      if (error instanceof KeySetUnavailableError || error instanceof TokenRejectedError) throw error;
      const reason = refusalForJoseError(error);
      if (reason === undefined) throw error; // unexpected: the gate answers 500, never an allow
      throw rejectWith(reason, joseDetail(error, issuer.issuer, rules.audience), error);
    }

    const checked = checkIssuerClaims(claims, rules, Math.floor(nowMs / 1000), options.clockTolerance);
    // Frozen: the result may be shared by later requests with the same token (the cache).
    return Object.freeze({
      claims: deepFreeze(claims) as AccessTokenClaims,
      issuer: issuer.issuer,
      scopes: checked.scopes,
      ...(checked.clientId !== undefined ? { clientId: checked.clientId } : {}),
      ...(checked.tokenId !== undefined ? { tokenId: checked.tokenId } : {}),
    });
  };
}
