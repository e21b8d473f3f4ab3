import type { Action } from '../actions/index.js';
import type { RequestFacts } from '../facts.js';
import type { VerifiedToken } from '../verify/index.js';
import type { AuthorizationDetail } from './authorization-details.js';

/** What a check sees: the request, the verified token, the action. Never a framework object. */
export interface CheckContext {
  readonly facts: RequestFacts;
  readonly token: VerifiedToken;
  readonly action: Action;
  /** Milliseconds since the epoch, read once per request. */
  readonly now: number;
}

/**
 * Where a shortfall is answered. Stages run in this order and the first with a shortfall
 * answers (see the contract's check order); single use runs after both, in the gate:
 * - `user_authentication`: RFC 9470 401 `insufficient_user_authentication`;
 * - `authorization`: RFC 6750 403 `insufficient_scope` (scopes, binding, freshness).
 */
export type CheckStage = 'user_authentication' | 'authorization';

/** Why a token falls short; selects the refusal's fixed description. */
export type ShortfallReason = 'scope' | 'binding' | 'freshness' | 'context' | 'user_authentication';

/** How a token falls short of one rule; the gate turns it into the matching 403 or 401 refusal. */
export interface Shortfall {
  readonly reason: ShortfallReason;
  /** For `binding`: the RFC 9396 entries the client must ask for. */
  readonly authorizationDetails?: readonly AuthorizationDetail[];
}

/** One rule of an action. Returns the shortfall, or `undefined` when the token meets the rule. */
export interface Check {
  readonly name: string;
  readonly stage: CheckStage;
  /**
   * Whether `evaluate` reads the route parameters (`facts.params`). Declared by the rule itself,
   * so that an adapter whose framework builds the parameters on demand leaves them out only for
   * actions none of whose rules read them (see `PreparedAction.readsParams`).
   */
  readonly readsParams?: boolean;
  /** The shortfall, or `undefined` when the token meets the rule; synchronous, so checks cost no await. */
  evaluate(context: CheckContext): Shortfall | undefined;
}
