/**
 * Claim checks that `jose` leaves to the caller: JSON types of the claims RFC 9068 §2.2 and
 * RFC 9470 define, presence of the claims this resource requires, and an `iat` in the future.
 * A claim of the wrong type makes the token invalid: a numeric `sub` or a string `exp` is an
 * issuer bug or a forgery, never something to coerce.
 */
import type { JWTPayload } from 'jose';
import { missing, type RefusalDetail, wrongType } from '../audit/detail.js';
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
  // The client and token-id claims of the providers this library has presets for.
  cid: isString,
  appid: isString,
  uti: isString,
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

const NUMERIC = new Set(['exp', 'iat', 'nbf', 'auth_time']);
const TYPE_NAMES: Readonly<Record<string, string>> = { aud: 'string or non-empty array of strings' };

export interface ClaimRefusal {
  readonly reason: RefusalCode;
  /** Which claim, for the audit event. */
  readonly detail?: RefusalDetail;
}

/**
 * `undefined` when the claims pass; otherwise the refusal and which claim caused it. `now` is
 * in seconds; `tolerance` is the clock skew allowed, in seconds.
 */
export function claimRefusal(
  claims: JWTPayload,
  required: readonly string[],
  now: number,
  tolerance: number,
): ClaimRefusal | undefined {
  for (const claim of required)
    if (claims[claim] === undefined) return { reason: 'token_claims', detail: missing(claim) };
  for (const claim in CLAIM_TYPES) {
    const value = claims[claim];
    if (value !== undefined && !(CLAIM_TYPES[claim] as (v: unknown) => boolean)(value)) {
      const expected = TYPE_NAMES[claim] ?? (NUMERIC.has(claim) ? 'number' : 'string');
      return { reason: 'token_claims', detail: wrongType(claim, value, expected) };
    }
  }
  const reason = checkTimes(claims, now, tolerance);
  return reason === undefined ? undefined : { reason };
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
