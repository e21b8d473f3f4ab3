import { beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestIssuer, type TestIssuer, testGate } from '../../test/tokens.js';
import { defineActions } from '../actions/index.js';
import { grants, readAuthorizationDetails } from './authorization-details.js';

const actions = defineActions({
  refund: {
    scopes: ['payments:refund'],
    authorizationDetails: ({ params }) => ({
      type: 'payment_refund',
      actions: ['refund'],
      identifier: String(params.id),
    }),
  },
  transfer: {
    scopes: [],
    authorizationDetails: () => ({
      type: 'payment_initiation',
      actions: ['initiate'],
      locations: ['https://bank.test/payments'],
      datatypes: ['sepa'],
      privileges: ['single'],
    }),
  },
});
const needed = { type: 'payment_refund', actions: ['refund'], identifier: 'inv_1' };
let issuer: TestIssuer;

beforeAll(async () => {
  issuer = await createTestIssuer();
});

async function refund(details: unknown, id = 'inv_1') {
  const gate = testGate(issuer, actions);
  const token = await issuer.mint({ scope: 'payments:refund', authorization_details: details });
  return gate.decide('refund', bearer(token, { params: { id } }));
}

describe('bound grants (RFC 9396)', () => {
  it('allows an entry of the type, with the actions, for this identifier', async () => {
    expect((await refund([needed])).allow).toBe(true);
    expect((await refund([{ ...needed, actions: ['read', 'refund'], extra: { any: 1 } }])).allow).toBe(true);
    expect((await refund([{ type: 'other' }, needed])).allow).toBe(true);
  });

  it('refuses another invoice with 403 and puts the exact entry needed in the body', async () => {
    const decision = await refund([needed], 'inv_2');
    if (decision.allow) throw new Error('allowed');
    expect(decision.status).toBe(403);
    expect(decision.code).toBe('binding_missing');
    expect(decision.headers['www-authenticate']).toContain('error="insufficient_scope", scope="payments:refund"');
    expect(decision.body).toEqual({
      error: 'insufficient_scope',
      error_description: 'The access token lacks the authorization_details entry this request requires',
      authorization_details: [{ ...needed, identifier: 'inv_2' }],
    });
  });

  it.each([
    ['absent', undefined],
    ['not an array', { type: 'payment_refund' }],
    ['a string', 'payment_refund'],
    ['entries not objects', ['payment_refund']],
    ['an entry without type', [{ actions: ['refund'], identifier: 'inv_1' }]],
    ['actions not an array', [{ ...needed, actions: 'refund' }]],
    ['actions with a number', [{ ...needed, actions: ['refund', 1] }]],
    ['identifier a number', [{ ...needed, identifier: 1001 }]],
    ['a good entry beside a malformed one', [needed, null]],
    ['over the entry limit', [...Array.from({ length: 100 }, () => ({ type: 'x' })), needed]],
    ['another type', [{ ...needed, type: 'payment_initiation' }]],
    ['without the refund action', [{ ...needed, actions: ['read'] }]],
    ['without identifier', [{ type: 'payment_refund', actions: ['refund'] }]],
  ])('counts a claim that is %s as no grant (403, never a throw)', async (_, details) => {
    const decision = await refund(details);
    expect(decision.allow ? 200 : decision.status).toBe(403);
  });

  it('counts thousands of entries as no grant, in a token allowed to be that large', async () => {
    const gate = testGate(issuer, actions, { maxTokenBytes: 1_000_000 });
    const details = Array.from({ length: 5000 }, () => needed);
    const token = await issuer.mint({ scope: 'payments:refund', authorization_details: details });
    const decision = await gate.decide('refund', bearer(token, { params: { id: 'inv_1' } }));
    expect(decision.allow ? 200 : decision.status).toBe(403);
  });

  it('requires every list field the requirement names', async () => {
    const gate = testGate(issuer, actions);
    const full = {
      type: 'payment_initiation',
      actions: ['initiate'],
      locations: ['https://bank.test/payments'],
      datatypes: ['sepa', 'swift'],
      privileges: ['single'],
    };
    const allowed = await gate.decide('transfer', bearer(await issuer.mint({ authorization_details: [full] })));
    expect(allowed.allow).toBe(true);
    for (const field of ['locations', 'datatypes', 'privileges'] as const) {
      const token = await issuer.mint({ authorization_details: [{ ...full, [field]: ['other'] }] });
      const decision = await gate.decide('transfer', bearer(token));
      expect(decision.allow, field).toBe(false);
    }
  });

  it('answers 500 when the app derives a malformed entry', async () => {
    const broken = defineActions({ a: { scopes: [], authorizationDetails: () => ({ actions: ['x'] }) as never } });
    const decision = await testGate(issuer, broken).decide('a', bearer(await issuer.mint()));
    expect(decision.allow ? 200 : decision.status).toBe(500);
  });

  it('reads and matches entries without throwing on hostile values', () => {
    expect(readAuthorizationDetails(Object.create(null))).toBeNull();
    expect(readAuthorizationDetails([])).toEqual([]);
    expect(grants(needed, needed)).toBe(true);
    expect(grants({ type: 'payment_refund' }, needed)).toBe(false);
  });
});
