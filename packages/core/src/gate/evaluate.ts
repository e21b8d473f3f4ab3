/**
 * Runs an action's checks and turns what fell short into one refusal, following the
 * contract's order: user authentication (401) answers before scopes, binding and freshness
 * (403), and when both fall short the 401 carries `scope` too, and the body the
 * `authorization_details` needed, so that one step-up can ask for everything.
 */
import { type Refusal, withAuthorizationDetails } from '../challenge/refusal.js';
import type { AuthorizationDetail, Check, CheckContext, ShortfallReason } from '../checks/index.js';
import type { ActionRefusals, PreparedAction } from './prepare.js';

type AuthorizationReason = Exclude<ShortfallReason, 'user_authentication'>;

export interface Verdict {
  stepUp: boolean;
  /** The first authorization shortfall, which picks the 403's description. */
  reason: AuthorizationReason | undefined;
  authorizationDetails: readonly AuthorizationDetail[] | undefined;
}

/** What the action's checks found short, or `undefined` when nothing fell short (no object then). */
export function runChecks(entry: PreparedAction, context: CheckContext): Verdict | undefined {
  let verdict: Verdict | undefined;
  // Every check runs, so a combined refusal can name everything that is missing.
  const checks = entry.checks;
  // An indexed loop: an iterator would be allocated on every request.
  for (let i = 0; i < checks.length; i++) {
    const shortfall = (checks[i] as Check).evaluate(context);
    if (shortfall === undefined) continue;
    verdict ??= emptyVerdict();
    if (shortfall.reason === 'user_authentication') verdict.stepUp = true;
    else {
      verdict.reason ??= shortfall.reason;
      if (shortfall.authorizationDetails !== undefined) verdict.authorizationDetails = shortfall.authorizationDetails;
    }
  }
  return verdict;
}

const emptyVerdict = (): Verdict => ({ stepUp: false, reason: undefined, authorizationDetails: undefined });

/** The verdict with the action's own `check` hook applied to it. */
export async function runContextCheck(
  entry: PreparedAction,
  context: CheckContext,
  found: Verdict | undefined,
): Promise<Verdict | undefined> {
  const hook = entry.action.check;
  if (hook === undefined) return found;
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
  if (result === undefined) return found;
  const verdict = found ?? emptyVerdict();
  if (result === 'insufficient_user_authentication') verdict.stepUp = true;
  else if (result === 'insufficient_scope') verdict.reason ??= 'context';
  else throw new TypeError('an action check() returned an unknown result'); // → 500
  return verdict;
}

export function refusalFor(entry: ActionRefusals, verdict: Verdict | undefined): Refusal | undefined {
  if (verdict === undefined) return undefined;
  const { stepUp, reason, authorizationDetails } = verdict;
  let refusal: Refusal | undefined;
  if (stepUp) refusal = reason === undefined ? entry.stepUp : entry.stepUpWithScope;
  else if (reason !== undefined) refusal = entry.insufficient[reason];
  if (refusal !== undefined && authorizationDetails !== undefined) {
    refusal = withAuthorizationDetails(refusal, authorizationDetails);
  }
  return refusal;
}
