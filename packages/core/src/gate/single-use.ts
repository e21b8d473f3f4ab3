/**
 * Single use: the first allowed request with a token records its `jti` until the token's
 * `exp` plus the clock tolerance (after which the token is refused as expired anyway); any
 * later request with it is a replay. A store that fails or is slower than the timeout makes
 * the request fail closed with 503, never an allow, and the use is undone (`release`), so that
 * a refused request never burns the token and the retry after `Retry-After` can succeed.
 *
 * Use budgets (`uses: { max, within }`) go the same way, counted per token and action by the
 * store's `spend`: of concurrent requests exactly `max` are allowed, and an undone use is
 * uncounted, so that a 503 never costs the client one of its uses.
 */

import type { UseBudget } from '../actions/index.js';
import { ReplayStoreUnavailableError } from '../errors.js';
import { recordUse, releaseQuietly } from '../replay/record-use.js';
import type { ReplayStore } from '../replay/types.js';
import type { VerifiedToken } from '../verify/index.js';

export type Consumption = 'first' | 'replayed' | 'no_jti';

const MAX_DATE_MS = 8.64e15;

/**
 * A bounded-size key, so that a long `jti` cannot bloat the store; scoped by issuer, and by
 * action for a per-action grant (JSON-encoded, so no `jti` can collide with another's key).
 */
async function replayKey(
  issuer: string,
  jti: string,
  action: string | undefined,
  kind: 'action' | 'uses' = 'action',
): Promise<string> {
  const input = action === undefined ? `${issuer}\n${jti}` : JSON.stringify([kind, issuer, jti, action]);
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(input));
  let hex = '';
  for (const byte of new Uint8Array(digest)) hex += byte.toString(16).padStart(2, '0');
  return hex;
}

/** The token's id and when the store may forget it, or `undefined` without an id. */
function recordFor(token: VerifiedToken, clockTolerance: number): { jti: string; expiresAt: number } | undefined {
  // The issuer's token id: `jti`, or Entra ID's `uti` (its `tokenIdClaim`).
  const jti = token.tokenId ?? token.claims.jti;
  const exp = token.claims.exp;
  if (typeof jti !== 'string' || jti.length === 0) return undefined;
  // Clamped to the largest date (year 275760): a token claiming to live longer is remembered
  // that long, and every store can still express the expiry. A token without `exp` (an issuer
  // whose requiredClaims leave it out) never expires, so it is remembered that long too: a NaN
  // expiry would read as already expired and let the replay through.
  const expiresAt =
    typeof exp === 'number' && Number.isFinite(exp)
      ? Math.min((exp + clockTolerance) * 1000, MAX_DATE_MS)
      : MAX_DATE_MS;
  return { jti, expiresAt };
}

export async function consumeToken(
  store: ReplayStore,
  token: VerifiedToken,
  clockTolerance: number,
  timeoutMs: number,
  /** Set for a per-action grant: only the grant for this action is consumed. */
  action?: string,
): Promise<Consumption> {
  const record = recordFor(token, clockTolerance);
  if (record === undefined) return 'no_jti';
  const key = await replayKey(token.issuer, record.jti, action);
  // A fresh id per attempt: the undo removes this attempt's record and nobody else's.
  const attempt = crypto.randomUUID();
  const result = await recordUse(store, key, attempt, timeoutMs, () =>
    store.consume(key, { expiresAt: record.expiresAt, attempt }),
  );
  return result.first ? 'first' : 'replayed';
}

export type Spending = 'allowed' | 'spent' | 'no_jti';

/** Counts one use of the action's budget for this token (by `jti` and action name). */
export async function spendBudget(
  store: ReplayStore,
  token: VerifiedToken,
  clockTolerance: number,
  timeoutMs: number,
  action: string,
  budget: UseBudget,
  now: number,
): Promise<Spending> {
  const record = recordFor(token, clockTolerance);
  if (record === undefined) return 'no_jti';
  const spend = store.spend;
  // Checked at start-up; a store that lost the method since is unavailable, never an allow.
  if (typeof spend !== 'function') throw new ReplayStoreUnavailableError('the replay store cannot count uses');
  const key = await replayKey(token.issuer, record.jti, action, 'uses');
  const attempt = crypto.randomUUID();
  const result = await recordUse(store, key, attempt, timeoutMs, () =>
    spend.call(store, key, {
      expiresAt: record.expiresAt,
      attempt,
      max: budget.max,
      within: budget.within === undefined ? undefined : budget.within * 1000,
      now,
    }),
  );
  // Anything but a clear answer is a broken store: 503 (and the use undone), never an allow.
  if (typeof result !== 'object' || result === null || typeof result.allowed !== 'boolean') {
    releaseQuietly(store, key, attempt);
    throw new ReplayStoreUnavailableError('the replay store answered spend() with something else than a result');
  }
  return result.allowed ? 'allowed' : 'spent';
}
