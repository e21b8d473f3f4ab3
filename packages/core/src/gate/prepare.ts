/**
 * An action prepared once, when its route is declared: its checks, and every refusal it can
 * give rendered in advance (RFC 6750 §3 `insufficient_scope` per reason, RFC 9470 §3
 * `insufficient_user_authentication` with and without `scope`).
 */
import type { Action } from '../actions/index.js';
import { buildRefusal, type ChallengeOptions, type Refusal } from '../challenge/refusal.js';
import { type Check, checksFor, type ShortfallReason } from '../checks/index.js';

/**
 * An action resolved by {@link Gate.prepare}, with its checks and refusals rendered once, so that
 * {@link Gate.decide} does no per-request lookup or rendering.
 */
export interface PreparedAction<N extends string = string> extends ActionRefusals {
  readonly action: Action<N>;
  readonly checks: readonly Check[];
  /**
   * Whether a rule of the action may read the request's route parameters (`facts.params`): a check
   * that declares it (the `authorizationDetails` binding) or the `check` hook, whatever the hook
   * reads. When false, an adapter whose framework builds the parameters on demand (Hono's
   * `c.req.param()`) may leave them out of the facts.
   */
  readonly readsParams: boolean;
  /** The same refusals for a request that used the DPoP scheme: the error in the `DPoP` challenge. */
  readonly viaDpop: ActionRefusals;
}

/** The refusals of one action, rendered for the scheme a request used. */
export interface ActionRefusals {
  /** 403 `insufficient_scope`, by the first reason that fell short. */
  readonly insufficient: Readonly<Record<Exclude<ShortfallReason, 'user_authentication'>, Refusal>>;
  /** 401 `insufficient_user_authentication`, alone and when scopes, binding or freshness fall short too. */
  readonly stepUp: Refusal;
  readonly stepUpWithScope: Refusal;
  /** 403 `insufficient_scope`: a per-action single-use grant already spent. */
  readonly spent: Refusal;
  /** 403 `insufficient_scope`: the action's use budget is spent. */
  readonly budgetSpent: Refusal;
}

function scopeDescription(action: Action): string {
  if (action.anyOf.length < 2) return 'The access token lacks the scopes this action requires';
  const alternatives = action.anyOf.map((alternative) => [...alternative].join(' + ')).join(' or ');
  // The contract: an error_description never contains `scope=`, which a declared scope may.
  if (/scope=/i.test(alternatives))
    return 'The access token lacks the scopes this action requires; any one of the alternatives suffices';
  return `The access token lacks the scopes this action requires; any one of these suffices: ${alternatives}`;
}

function actionRefusals(action: Action, challenge: ChallengeOptions): ActionRefusals {
  // `scope` is the action's complete requirement, not the difference from what the token holds.
  const scope = action.challengeScope;
  const acr = {
    acrValues: action.userAuthentication?.acrValues,
    maxAge: action.userAuthentication?.maxAge,
  };
  return {
    insufficient: Object.freeze({
      scope: buildRefusal('scope_missing', challenge, { scope, description: scopeDescription(action) }),
      binding: buildRefusal('binding_missing', challenge, { scope }),
      freshness: buildRefusal('token_not_fresh', challenge, { scope }),
      context: buildRefusal('context_refused', challenge, { scope }),
    }),
    stepUp: buildRefusal('user_authentication_required', challenge, acr),
    stepUpWithScope: buildRefusal('user_authentication_required', challenge, { ...acr, scope }),
    spent: buildRefusal('grant_spent', challenge, { scope }),
    budgetSpent: buildRefusal('budget_spent', challenge, { scope }),
  };
}

/** `challenge.schemes` says which challenges this action's refusals offer (RFC 9449 §7.1). */
export function prepareAction<N extends string>(action: Action<N>, challenge: ChallengeOptions): PreparedAction<N> {
  const viaBearer = actionRefusals(action, { ...challenge, used: 'bearer' });
  const offersDpop = challenge.schemes !== undefined && challenge.schemes !== 'bearer';
  const checks = checksFor(action);
  return Object.freeze({
    action,
    checks,
    // Over- rather than under-estimated: a rule left without its parameters could decide wrongly.
    readsParams: action.check !== undefined || checks.some((check) => check.readsParams === true),
    ...viaBearer,
    viaDpop: Object.freeze(offersDpop ? actionRefusals(action, { ...challenge, used: 'dpop' }) : viaBearer),
  });
}
