/**
 * Claim checks that `jose` leaves to the caller: JSON types of the claims RFC 9068 §2.2 and
 * RFC 9470 define, presence of the claims this resource requires, and an `iat` in the future.
 * A claim of the wrong type makes the token invalid: a numeric `sub` or a string `exp` is an
 * issuer bug or a forgery, never something to coerce.
 */
import type { JWTPayload } from 'jose';
import type { RefusalCode } from '../challenge/codes.js';

/** RFC 9068 §2.2: the claims every JWT access token carries. */
export const RFC9068_REQUIRED_CLAIMS = Object.freeze(['iss', 'exp', 'aud', 'sub', 'client_id', 'iat', 'jti']);

const isString = (value: unknown): boolean => typeof value === 'string';
const isNumericDate = (value: unknown): boolean => typeof value === 'number' && Number.isFinite(value);
const isAudience = (value: unknown): boolean =>
  typeof value === 'string' ||
  (Array.isArray(value) && value.length > 0 && value.every((member) => typeof member === 'string'));

const CLAIM_TYPES: Readonly<Record<string, (value: unknown) => boolean>> = {
  iss: isString,
  sub: isString,
  aud: isAudience,
  client_id: isString,
  jti: isString,
  azp: isString,
  acr: isString,
  scope: isString,
  exp: isNumericDate,
  iat: isNumericDate,
  nbf: isNumericDate,
  auth_time: isNumericDate,
};

/**
 * `undefined` when the claims pass; otherwise the refusal. `now` is in seconds; `tolerance`
 * is the clock skew allowed, in seconds.
 */
export function checkClaims(
  claims: JWTPayload,
  required: readonly string[],
  now: number,
  tolerance: number,
): RefusalCode | undefined {
  for (const claim of required) if (claims[claim] === undefined) return 'token_claims';
  for (const claim in CLAIM_TYPES) {
    const value = claims[claim];
    if (value !== undefined && !(CLAIM_TYPES[claim] as (v: unknown) => boolean)(value)) return 'token_claims';
  }
  return checkTimes(claims, now, tolerance);
}

/**
 * The clock checks, repeated on every request even for a cached token: `exp` (RFC 7519
 * §4.1.4, `exp <= now - tolerance` is expired, as `jose` has it), `nbf` (§4.1.5), and an `iat`
 * or `auth_time` beyond the tolerance in the future.
 */
export function checkTimes(claims: JWTPayload, now: number, tolerance: number): RefusalCode | undefined {
  if (typeof claims.exp === 'number' && claims.exp <= now - tolerance) return 'token_expired';
  if (typeof claims.nbf === 'number' && claims.nbf > now + tolerance) return 'token_not_yet_valid';
  if (typeof claims.iat === 'number' && claims.iat > now + tolerance) return 'token_not_yet_valid';
  if (typeof claims.auth_time === 'number' && claims.auth_time > now + tolerance) return 'token_not_yet_valid';
  return undefined;
}
