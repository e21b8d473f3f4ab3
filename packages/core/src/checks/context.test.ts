import { beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestIssuer, type TestIssuer, testGate } from '../../test/tokens.js';
import { defineActions } from '../actions/index.js';
import type { ActionCheckContext } from './context.js';

let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await createTestIssuer();
});

const seen: ActionCheckContext[] = [];
const actions = defineActions({
  refund: {
    scopes: ['payments:refund'],
    userAuthentication: { acrValues: ['urn:mfa'] },
    // Refunds above 1000 need strong authentication; other people's invoices are out of scope.
    check: async (context) => {
      seen.push(context);
      const amount = Number((context.body as { amount?: unknown } | undefined)?.amount ?? 0);
      if (context.params.owner !== context.claims.sub) return 'insufficient_scope';
      if (amount > 1000 && context.claims.acr !== 'urn:mfa') return 'insufficient_user_authentication';
      return undefined;
    },
  },
  broken: { scopes: [], check: () => Promise.reject(new Error('database down')) },
  odd: { scopes: [], check: () => 'forbidden' as never },
});

async function decide(action: 'refund' | 'broken' | 'odd', body: unknown, owner = 'user-1', claims = {}) {
  const token = await issuer.mint({ scope: 'payments:refund', acr: 'urn:mfa', ...claims });
  return testGate(issuer, actions).decide(action, bearer(token, { params: { owner }, body }));
}

describe('the context check hook', () => {
  it('sees the request, the claims and the scopes, and can allow', async () => {
    const decision = await decide('refund', { amount: 10 });
    expect(decision.allow).toBe(true);
    const context = seen.at(-1);
    expect(context?.action).toBe('refund');
    expect(context?.claims.sub).toBe('user-1');
    expect(context?.scopes.has('payments:refund')).toBe(true);
  });

  it('answers insufficient_scope with the action’s challenge', async () => {
    const decision = await decide('refund', { amount: 10 }, 'someone-else');
    if (decision.allow) throw new Error('allowed');
    expect(decision.status).toBe(403);
    expect(decision.code).toBe('context_refused');
    expect(decision.headers['www-authenticate']).toContain('scope="payments:refund"');
  });

  it('answers insufficient_user_authentication with the action’s acr_values', async () => {
    const token = await issuer.mint({ scope: 'payments:refund', acr: 'urn:mfa' });
    const gate = testGate(issuer, actions);
    const weak = await issuer.mint({ scope: 'payments:refund', acr: 'urn:weak' });
    expect(
      (await gate.decide('refund', bearer(token, { params: { owner: 'user-1' }, body: { amount: 5000 } }))).allow,
    ).toBe(true);
    const decision = await gate.decide('refund', bearer(weak, { params: { owner: 'user-1' }, body: { amount: 5000 } }));
    if (decision.allow) throw new Error('allowed');
    expect(decision.status).toBe(401);
    expect(decision.headers['www-authenticate']).toContain('acr_values="urn:mfa"');
  });

  it('fails closed with 500 when the hook rejects or answers outside the vocabulary', async () => {
    for (const action of ['broken', 'odd'] as const) {
      const decision = await decide(action, undefined);
      expect(decision.allow ? 200 : decision.status).toBe(500);
      expect(decision.allow ? undefined : decision.body).toEqual({
        error_description: 'The request could not be authorized',
      });
    }
  });
});
