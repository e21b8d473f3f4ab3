/**
 * RFC 6750 §3.1 `insufficient_scope`: the token must hold every scope of `scopes` and, when
 * the action has `anyOf`, every scope of at least one alternative.
 */
import type { Action } from '../actions/index.js';
import type { Check, Shortfall } from './types.js';

function holdsAll(held: ReadonlySet<string>, required: ReadonlySet<string>): boolean {
  for (const scope of required) if (!held.has(scope)) return false;
  return true;
}

export function holdsScopes(held: ReadonlySet<string>, action: Action): boolean {
  if (!holdsAll(held, action.allOf)) return false;
  if (action.anyOf.length === 0) return true;
  for (const alternative of action.anyOf) if (holdsAll(held, alternative)) return true;
  return false;
}

const SCOPE: Shortfall = Object.freeze({ reason: 'scope' });

export const scopesCheck: Check = Object.freeze({
  name: 'scopes',
  stage: 'authorization',
  evaluate: ({ token, action }) => (holdsScopes(token.scopes, action) ? undefined : SCOPE),
} satisfies Check);
