import type { Action } from '../actions/index.js';
import type { RequestFacts } from '../facts.js';
import type { VerifiedToken } from '../verify/index.js';

/** What a check sees: the request, the verified token, the action. Never a framework object. */
export interface CheckContext {
  readonly facts: RequestFacts;
  readonly token: VerifiedToken;
  readonly action: Action;
  /** Milliseconds since the epoch, read once per request. */
  readonly now: number;
}

/**
 * Where a shortfall is answered. The gate runs stages in this order and the first stage with
 * a shortfall answers (see the contract's check order):
 * - `user_authentication`: RFC 9470 401 `insufficient_user_authentication`;
 * - `authorization`: RFC 6750 403 `insufficient_scope` (scopes, binding, freshness);
 * - `single_use`: 401 `invalid_token`, and runs only when nothing else fell short.
 */
export type CheckStage = 'user_authentication' | 'authorization' | 'single_use';

/** One rule of an action. Returns `true` when the token falls short of it. Never throws on token data. */
export interface Check {
  readonly name: string;
  readonly stage: CheckStage;
  fallsShort(context: CheckContext): boolean;
}
