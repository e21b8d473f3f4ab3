/**
 * Actions: each sensitive operation declared once, with what a token needs to perform it.
 * Declarations are validated and compiled when they are defined, so a typo fails at start-up,
 * and the per-request work is set lookups.
 */
import { ConfigurationError, UnknownActionError } from '../errors.js';
import type { Action, ActionDeclaration, ActionSet } from './types.js';
import { compile } from './validate.js';

export type { Action, ActionDeclaration, ActionSet, UseBudget } from './types.js';

/**
 * Declares the API's actions once. The returned set types `requireAction()` so that only
 * declared names compile.
 *
 * @example
 * const actions = defineActions({
 *   'invoices.read': { scopes: ['invoices:read'] },
 *   'invoices.export': { anyOf: ['invoices:export', 'invoices:admin'] },
 * });
 */
export function defineActions<const D extends Record<string, ActionDeclaration>>(
  declarations: D,
): ActionSet<Extract<keyof D, string>> {
  type N = Extract<keyof D, string>;
  if (typeof declarations !== 'object' || declarations === null) {
    throw new ConfigurationError('actions', 'must be an object mapping action names to declarations');
  }
  const compiled = new Map<string, Action<N>>();
  for (const name of Object.keys(declarations) as N[]) {
    if (name.length === 0) throw new ConfigurationError('actions', 'has an action with an empty name');
    compiled.set(name, compile(name, declarations[name] as ActionDeclaration));
  }
  if (compiled.size === 0) throw new ConfigurationError('actions', 'declares no action');
  const names = Object.freeze([...compiled.keys()] as N[]);
  return Object.freeze({
    names,
    has: (name: string): name is N => compiled.has(name),
    get(name: N): Action<N> {
      const action = compiled.get(name);
      if (action === undefined) throw new UnknownActionError(String(name), names);
      return action;
    },
  });
}
