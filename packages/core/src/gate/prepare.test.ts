import { describe, expect, it } from 'vitest';
import { defineActions } from '../actions/index.js';
import type { ChallengeOptions } from '../challenge/refusal.js';
import { prepareAction } from './prepare.js';

const challenge: ChallengeOptions = {
  realm: undefined,
  resourceMetadata: undefined,
  includeScope: true,
  includeDescription: true,
  retryAfter: 30,
};

const actions = defineActions({
  refund: {
    scopes: ['payments:refund'],
    anyOf: ['invoices:admin', 'payments:admin'],
    authorizationDetails: ({ params }) => ({ type: 'payment_refund', locations: [`/invoices/${params.id}`] }),
  },
});

describe('prepareAction', () => {
  // Hono's adapter builds `c.req.param()` only where this is true: a rule that reads them must not miss them.
  it('says an action reads route parameters only when its binding or check hook can', () => {
    const each = defineActions({
      scopes: { scopes: ['a'], anyOf: ['b', ['c', 'd']] },
      step: { scopes: [], userAuthentication: { acrValues: ['mfa'], maxAge: 60 } },
      fresh: { scopes: [], maxTokenAge: 60 },
      once: { scopes: [], singleUse: 'per-action' },
      budget: { scopes: [], uses: { max: 3 } },
      dpop: { scopes: [], requireDpop: true },
      revocable: { scopes: [], introspect: true },
      bound: { scopes: [], authorizationDetails: () => undefined },
      hooked: { scopes: [], check: () => undefined },
    });
    const reads = Object.fromEntries(
      each.names.map((name) => [name, prepareAction(each.get(name), challenge).readsParams]),
    );
    expect(reads).toEqual({
      scopes: false,
      step: false,
      fresh: false,
      once: false,
      budget: false,
      dpop: false,
      revocable: false,
      bound: true,
      hooked: true,
    });
  });

  it('is frozen, so that a route cannot change what another route of the action decides', () => {
    const prepared = prepareAction(actions.get('refund'), challenge);
    expect(Object.isFrozen(prepared)).toBe(true);
    expect(Object.isFrozen(prepared.checks)).toBe(true);
    // The scope rule copies the action's alternatives once: the list they come from cannot change after.
    expect(Object.isFrozen(prepared.action.anyOf)).toBe(true);
  });
});
