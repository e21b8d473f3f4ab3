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
  read: { scopes: ['invoices:read'], userAuthentication: { acrValues: ['mfa'] }, maxTokenAge: 300 },
  refund: {
    scopes: ['payments:refund'],
    authorizationDetails: ({ params }) => ({ type: 'payment_refund', locations: [`/invoices/${params.id}`] }),
  },
  export: { scopes: ['invoices:export'], check: () => undefined },
});

describe('prepareAction', () => {
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
    // Hono's adapter builds `c.req.param()` only for these: a rule that reads none must not miss it.
    expect(prepareAction(actions.get('read'), challenge).readsParams).toBe(false);
    expect(prepareAction(actions.get('refund'), challenge).readsParams).toBe(true);
    expect(prepareAction(actions.get('export'), challenge).readsParams).toBe(true);
  });

  it('is frozen, so that a route cannot change what another route of the action decides', () => {
    const prepared = prepareAction(actions.get('refund'), challenge);
    expect(Object.isFrozen(prepared)).toBe(true);
    expect(Object.isFrozen(prepared.checks)).toBe(true);
  });
});
