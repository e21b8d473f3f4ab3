/**
 * Runs an action's checks and turns what fell short into one refusal, following the
 * contract's order: user authentication (401) answers before scopes, binding and freshness
 * (403), and when both fall short the 401 carries `scope` too, and the body the
 * `authorization_details` needed, so that one step-up can ask for everything.
 */
import { type Refusal, withAuthorizationDetails } from '../challenge/refusal.js';
import type { AuthorizationDetail, CheckContext, ShortfallReason } from '../checks/index.js';
import type { ActionRefusals, PreparedAction } from './prepare.js';

type AuthorizationReason = Exclude<ShortfallReason, 'user_authentication'>;

export interface Verdict {
  stepUp: boolean;
  /** The first authorization shortfall, which picks the 403's description. */
  reason: AuthorizationReason | undefined;
  authorizationDetails: readonly AuthorizationDetail[] | undefined;
}

export function runChecks(entry: PreparedAction, context: CheckContext): Verdict {
  const verdict: Verdict = { stepUp: false, reason: undefined, authorizationDetails: undefined };
  // Every check runs, so a combined refusal can name everything that is missing.
  for (const check of entry.checks) {
    const shortfall = check.evaluate(context);
    if (shortfall === undefined) continue;
    if (shortfall.reason === 'user_authentication') verdict.stepUp = true;
    else {
      verdict.reason ??= shortfall.reason;
      if (shortfall.authorizationDetails !== undefined) verdict.authorizationDetails = shortfall.authorizationDetails;
    }
  }
  return verdict;
}

/** Applies the action's own `check` hook to the verdict. */
export async function runContextCheck(entry: PreparedAction, context: CheckContext, verdict: Verdict): Promise<void> {
  const hook = entry.action.check;
  if (hook === undefined) return;
  const { facts, token, now } = context;
  const result = await hook({
    action: entry.action.name,
    facts,
    params: facts.params ?? {},
    body: facts.body,
    claims: token.claims,
    scopes: token.scopes,
    now,
  });
  if (result === 'insufficient_user_authentication') verdict.stepUp = true;
  else if (result === 'insufficient_scope') verdict.reason ??= 'context';
  else if (result !== undefined) throw new TypeError('an action check() returned an unknown result'); // → 500
}

export function refusalFor(entry: ActionRefusals, verdict: Verdict): Refusal | undefined {
  const { stepUp, reason, authorizationDetails } = verdict;
  let refusal: Refusal | undefined;
  if (stepUp) refusal = reason === undefined ? entry.stepUp : entry.stepUpWithScope;
  else if (reason !== undefined) refusal = entry.insufficient[reason];
  if (refusal !== undefined && authorizationDetails !== undefined) {
    refusal = withAuthorizationDetails(refusal, authorizationDetails);
  }
  return refusal;
}
