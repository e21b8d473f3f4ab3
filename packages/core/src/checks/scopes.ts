/**
 * RFC 6750 §3.1 `insufficient_scope`: the token must hold every scope of `scopes` and, when
 * the action has `anyOf`, every scope of at least one alternative.
 */
import type { Action } from '../actions/index.js';
import type { Check, Shortfall } from './types.js';

function holdsAll(held: ReadonlySet<string>, required: readonly string[]): boolean {
  for (let i = 0; i < required.length; i++) if (!held.has(required[i] as string)) return false;
  return true;
}

/** Whether `held` satisfies the action's scopes: all of `allOf`, and all of one `anyOf` alternative. */
function holdsLists(held: ReadonlySet<string>, allOf: readonly string[], anyOf: readonly (readonly string[])[]) {
  if (!holdsAll(held, allOf)) return false;
  if (anyOf.length === 0) return true;
  for (let i = 0; i < anyOf.length; i++) if (holdsAll(held, anyOf[i] as readonly string[])) return true;
  return false;
}

const SCOPE: Shortfall = Object.freeze({ reason: 'scope' });

/**
 * The action's scope rule. Its sets are copied to arrays once, here: iterating a `Set` on every
 * request allocates an iterator, which an indexed loop over an array does not.
 */
export function scopesCheck(action: Action): Check {
  const allOf = Object.freeze([...action.allOf]);
  const anyOf = Object.freeze(action.anyOf.map((alternative) => Object.freeze([...alternative])));
  return Object.freeze({
    name: 'scopes',
    stage: 'authorization',
    evaluate: ({ token }) => (holdsLists(token.scopes, allOf, anyOf) ? undefined : SCOPE),
  } satisfies Check);
}
