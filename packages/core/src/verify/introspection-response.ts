/**
 * Reading an introspection response strictly (RFC 7662 §2.2), and turning an active one into
 * a verified token under the same rules as a JWT's claims:
 * - a response that is not a JSON object with a boolean `active` is no answer at all: the
 *   endpoint misbehaves, and the request fails closed with 503 (never read as "active");
 * - `active: false` is 401 `invalid_token` (`token_inactive`);
 * - an active response's members are claims: their JSON types are checked as a JWT's are, `exp`
 *   and (by default) `aud` are required, `aud` must name this resource, and `iss`, when present,
 *   must be the issuer the endpoint belongs to. A missing `iat`, `jti`, `acr` or `cnf` stays
 *   missing for the checks that need it.
 */
import type { JWTPayload } from 'jose';
import { missing, notAccepted, wrongType } from '../audit/detail.js';
import { TokenRejectedError } from '../errors.js';
import type { AccessTokenClaims, VerifiedToken } from './index.js';
import { IntrospectionFetchError } from './introspection-fetch.js';
import { checkIssuerClaims, type EffectiveRules, rejectWith } from './issuer-checks.js';

export type IntrospectionAnswer =
  | { readonly active: false }
  | { readonly active: true; readonly claims: Readonly<JWTPayload> };

const INACTIVE: IntrospectionAnswer = Object.freeze({ active: false });

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const member of Object.values(value)) deepFreeze(member);
  }
  return value;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** RFC 7662 §2.2: `active` is REQUIRED and a boolean; `"true"`, `1` or its absence are not. */
export function parseIntrospectionResponse(body: unknown, endpoint: string): IntrospectionAnswer {
  if (!isObject(body)) throw new IntrospectionFetchError(`${endpoint} answered JSON that is not an object`);
  const active = body.active;
  if (typeof active !== 'boolean')
    throw new IntrospectionFetchError(`${endpoint} answered without a boolean "active" (RFC 7662 §2.2)`);
  if (!active) return INACTIVE;
  const claims: Record<string, unknown> = { ...body };
  delete claims.active;
  return Object.freeze({ active: true, claims: deepFreeze(claims) as JWTPayload });
}

/** Members RFC 7662 §2.2 and RFC 7800 define beyond the JWT claims `claimRefusal` types. */
const EXTRA_TYPES: Readonly<Record<string, (value: unknown) => boolean>> = {
  token_type: (value) => typeof value === 'string',
  username: (value) => typeof value === 'string',
  cnf: isObject,
};

function audienceMatches(aud: unknown, accepted: readonly string[]): boolean {
  if (typeof aud === 'string') return accepted.includes(aud);
  return Array.isArray(aud) && aud.some((member) => typeof member === 'string' && accepted.includes(member));
}

/** `now` and `tolerance` in seconds. */
export function verifiedFromIntrospection(
  claims: Readonly<JWTPayload>,
  issuer: string,
  rules: EffectiveRules,
  now: number,
  tolerance: number,
): VerifiedToken {
  for (const [claim, fits] of Object.entries(EXTRA_TYPES)) {
    const value = claims[claim];
    if (value !== undefined && !fits(value)) throw rejectWith('token_claims', wrongType(claim, value));
  }
  // Types, required claims, times, client id, fixed values and scopes, as for a JWT.
  const checked = checkIssuerClaims(claims, rules, now, tolerance);
  if (claims.iss !== undefined && claims.iss !== issuer)
    throw rejectWith('token_issuer', notAccepted('iss', claims.iss, [issuer]));
  if (rules.audienceClaim === 'aud') {
    if (claims.aud === undefined) throw rejectWith('token_claims', missing('aud'));
    if (!audienceMatches(claims.aud, rules.audience))
      throw rejectWith('token_audience', notAccepted('aud', claims.aud, rules.audience));
  }
  if (typeof claims.exp !== 'number') throw new TokenRejectedError('token_claims', { detail: missing('exp') });
  // The endpoint speaks for its issuer: a response without `iss` gets the issuer's, so that
  // `claims.iss` always names who vouched for the token.
  const full = claims.iss === undefined ? Object.freeze({ ...claims, iss: issuer }) : claims;
  return Object.freeze({
    claims: full as AccessTokenClaims,
    issuer,
    scopes: checked.scopes,
    introspected: true,
    ...(checked.clientId !== undefined ? { clientId: checked.clientId } : {}),
    ...(checked.tokenId !== undefined ? { tokenId: checked.tokenId } : {}),
  });
}
