/**
 * Single use: the first allowed request with a token records its `jti` until the token's
 * `exp` plus the clock tolerance (after which the token is refused as expired anyway); any
 * later request with it is a replay. A store that fails or is slower than the timeout makes
 * the request fail closed with 503, never an allow.
 */
import { ReplayStoreUnavailableError } from '../errors.js';
import type { ReplayStore } from '../replay/types.js';
import type { VerifiedToken } from '../verify/index.js';

export type Consumption = 'first' | 'replayed' | 'no_jti';

const MAX_DATE_MS = 8.64e15;

/**
 * A bounded-size key, so that a long `jti` cannot bloat the store; scoped by issuer, and by
 * action for a per-action grant (JSON-encoded, so no `jti` can collide with another's key).
 */
async function replayKey(issuer: string, jti: string, action: string | undefined): Promise<string> {
  const input = action === undefined ? `${issuer}\n${jti}` : JSON.stringify(['action', issuer, jti, action]);
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(input));
  let hex = '';
  for (const byte of new Uint8Array(digest)) hex += byte.toString(16).padStart(2, '0');
  return hex;
}

export async function consumeToken(
  store: ReplayStore,
  token: VerifiedToken,
  clockTolerance: number,
  timeoutMs: number,
  /** Set for a per-action grant: only the grant for this action is consumed. */
  action?: string,
): Promise<Consumption> {
  const { jti, exp } = token.claims;
  if (typeof jti !== 'string' || jti.length === 0) return 'no_jti';
  const key = await replayKey(token.issuer, jti, action);
  // Clamped to the largest date (year 275760): a token claiming to live longer is remembered
  // that long, and every store can still express the expiry.
  const expiresAt = Math.min((exp + clockTolerance) * 1000, MAX_DATE_MS);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new ReplayStoreUnavailableError('the replay store did not answer in time')),
      timeoutMs,
    );
  });
  try {
    return (await Promise.race([store.consume(key, expiresAt), timeout])) ? 'first' : 'replayed';
  } catch (error) {
    throw error instanceof ReplayStoreUnavailableError
      ? error
      : new ReplayStoreUnavailableError(undefined, { cause: error });
  } finally {
    clearTimeout(timer);
  }
}
