/**
 * The runtime-context hook: an action's own rule for what its options do not cover (amount
 * limits, ownership). It answers in the gate's vocabulary, so an app never renders a
 * challenge by hand: nothing (allow), `'insufficient_scope'` (403 with the action's scope) or
 * `'insufficient_user_authentication'` (401 with the action's `acr_values`/`max_age`).
 */
import type { RequestFacts } from '../facts.js';
import type { AccessTokenClaims } from '../verify/index.js';

/**
 * What an action's own `check` sees: the request, its parsed `params` and `body` as the
 * framework gave them, and the verified token's claims and scopes. It runs after the declared
 * rules, on a token that verified.
 */
export interface ActionCheckContext {
  readonly action: string;
  readonly facts: RequestFacts;
  readonly params: Readonly<Record<string, string | readonly string[] | undefined>>;
  readonly body: unknown;
  readonly claims: AccessTokenClaims;
  readonly scopes: ReadonlySet<string>;
  /** Milliseconds since the epoch. */
  readonly now: number;
}

/**
 * An action check's answer: `undefined` allows; `'insufficient_scope'` refuses with 403 and the
 * action's scope; `'insufficient_user_authentication'` refuses with 401 and the action's
 * `acr_values`/`max_age` (RFC 9470 §3).
 */
export type ActionCheckResult = undefined | 'insufficient_scope' | 'insufficient_user_authentication';

/** Throwing (or rejecting) is an internal error: the request gets 500, never an allow. */
export type ActionCheck = (context: ActionCheckContext) => ActionCheckResult | Promise<ActionCheckResult>;
