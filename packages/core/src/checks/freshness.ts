/**
 * Freshness: the token must have been issued at most `maxTokenAge` seconds ago (by `iat`).
 * The window is exact, with no clock tolerance: a token exactly at the limit passes, one
 * second older does not. A token without `iat` cannot prove its age and falls short.
 * Answered with 403 `insufficient_scope`, so the client fetches a new token.
 */
import type { Check, Shortfall } from './types.js';

const STALE: Shortfall = Object.freeze({ reason: 'freshness' });

export function freshnessCheck(maxTokenAge: number): Check {
  return Object.freeze({
    name: 'freshness',
    stage: 'authorization',
    evaluate: ({ token, now }) => {
      const iat = token.claims.iat;
      if (typeof iat !== 'number') return STALE;
      return Math.floor(now / 1000) - iat > maxTokenAge ? STALE : undefined;
    },
  } satisfies Check);
}
