/**
 * Bound grants, RFC 9396: the action derives from the request the authorization details
 * entries it needs (e.g. a refund of this one invoice), and the token must hold, for each,
 * an entry that grants it. Missing: 403 `insufficient_scope`, with the entries needed in the
 * body so the client can ask for exactly them.
 */
import type { RequestFacts } from '../facts.js';
import type { AccessTokenClaims } from '../verify/index.js';
import {
  type AuthorizationDetail,
  grants,
  isAuthorizationDetail,
  readAuthorizationDetails,
} from './authorization-details.js';
import type { Check, Shortfall } from './types.js';

/**
 * What an {@link AuthorizationDetailsRequirement} derives the needed RFC 9396 entries from: the
 * request, its parsed `params` and `body`, and the verified token's claims.
 */
export interface BindingContext {
  readonly facts: RequestFacts;
  readonly params: Readonly<Record<string, string | readonly string[] | undefined>>;
  readonly body: unknown;
  readonly claims: AccessTokenClaims;
}

/** Derives the entries a request needs; return `undefined` or `[]` when it needs none. */
export type AuthorizationDetailsRequirement = (
  context: BindingContext,
) => AuthorizationDetail | readonly AuthorizationDetail[] | undefined;

const EMPTY_PARAMS = Object.freeze({});

export function bindingCheck(requirement: AuthorizationDetailsRequirement): Check {
  return Object.freeze({
    name: 'binding',
    stage: 'authorization',
    readsParams: true, // the requirement derives its entries from the request, `params` included
    evaluate: ({ facts, token }): Shortfall | undefined => {
      const derived = requirement({
        facts,
        params: facts.params ?? EMPTY_PARAMS,
        body: facts.body,
        claims: token.claims,
      });
      const needed: readonly AuthorizationDetail[] =
        derived === undefined ? [] : Array.isArray(derived) ? derived : [derived as AuthorizationDetail];
      if (needed.length === 0) return undefined;
      for (const required of needed) {
        // The app's own derivation is wrong: a programming error, answered 500 by the gate.
        if (!isAuthorizationDetail(required)) throw new TypeError('authorizationDetails() returned a malformed entry');
      }
      const held = readAuthorizationDetails(token.claims.authorization_details) ?? [];
      const satisfied = needed.every((required) => held.some((entry) => grants(entry, required)));
      // The body names every entry needed, not only the missing ones: one step-up asks for all.
      return satisfied ? undefined : { reason: 'binding', authorizationDetails: Object.freeze([...needed]) };
    },
  } satisfies Check);
}
