/**
 * Step-up authentication, RFC 9470: the token's `acr` must be one of `acrValues` and, when
 * `maxAge` is set, its `auth_time` at most `maxAge` seconds old (exact, no tolerance; an
 * `auth_time` beyond the clock tolerance in the future already made the token invalid).
 */
import type { Check, Shortfall } from './types.js';

/**
 * RFC 9470 step-up for an action: the token's `acr` must be one of `acrValues`, and `auth_time`
 * no older than `maxAge` seconds, or the request gets 401 `insufficient_user_authentication`
 * naming both, so that the client can authenticate the user again.
 */
export interface UserAuthenticationRequirement {
  /** Acceptable Authentication Context Class References, most preferred first (RFC 9470 §3). */
  readonly acrValues: readonly string[];
  /** Most seconds since the user authenticated (`auth_time`). */
  readonly maxAge?: number;
}

const WEAK: Shortfall = Object.freeze({ reason: 'user_authentication' });

export function userAuthenticationCheck(requirement: UserAuthenticationRequirement): Check {
  const acrValues = new Set(requirement.acrValues);
  const { maxAge } = requirement;
  return Object.freeze({
    name: 'user_authentication',
    stage: 'user_authentication',
    evaluate: ({ token, now }) => {
      const { acr, auth_time: authTime } = token.claims;
      if (typeof acr !== 'string' || !acrValues.has(acr)) return WEAK;
      if (maxAge === undefined) return undefined;
      if (typeof authTime !== 'number') return WEAK;
      return Math.floor(now / 1000) - authTime > maxAge ? WEAK : undefined;
    },
  } satisfies Check);
}
