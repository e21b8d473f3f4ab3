import type { Action } from '../actions/index.js';
import { bindingCheck } from './binding.js';
import { freshnessCheck } from './freshness.js';
import { scopesCheck } from './scopes.js';
import type { Check } from './types.js';
import { userAuthenticationCheck } from './user-authentication.js';

export type { AuthorizationDetail } from './authorization-details.js';
export { grants, readAuthorizationDetails } from './authorization-details.js';
export type { AuthorizationDetailsRequirement, BindingContext } from './binding.js';
export type { ActionCheck, ActionCheckContext, ActionCheckResult } from './context.js';
export type { Check, CheckContext, CheckStage, Shortfall, ShortfallReason } from './types.js';
export type { UserAuthenticationRequirement } from './user-authentication.js';

/**
 * The checks an action's declaration calls for. Within the `authorization` stage the order
 * picks the description when several fall short: scopes, then binding, then freshness.
 */
export function checksFor(action: Action): readonly Check[] {
  const checks: Check[] = [];
  if (action.userAuthentication !== undefined) checks.push(userAuthenticationCheck(action.userAuthentication));
  checks.push(scopesCheck(action));
  if (action.authorizationDetails !== undefined) checks.push(bindingCheck(action.authorizationDetails));
  if (action.maxTokenAge !== undefined) checks.push(freshnessCheck(action.maxTokenAge));
  return Object.freeze(checks);
}
