import type { Action } from '../actions/index.js';
import { scopesCheck } from './scopes.js';
import type { Check } from './types.js';

export type { Check, CheckContext, CheckStage } from './types.js';
export { holdsScopes } from './scopes.js';

/** The checks an action's declaration calls for, in the order they run. */
export function checksFor(_action: Action): readonly Check[] {
  return Object.freeze([scopesCheck]);
}
