import { beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestIssuer, type TestIssuer, testGate } from '../../test/tokens.js';
import { defineActions } from '../actions/index.js';

const NOW = 1_800_000_000_000;
const now = NOW / 1000;
const MFA = 'urn:actiongate:mfa';
const METADATA = 'resource_metadata="https://api.test/.well-known/oauth-protected-resource"';
const STEP_UP = 'error_description="This action requires a stronger or more recent user authentication"';
const actions = defineActions({
  refund: {
    scopes: ['payments:refund'],
    userAuthentication: { acrValues: [MFA], maxAge: 600 },
    authorizationDetails: ({ params }) => ({
      type: 'payment_refund',
      actions: ['refund'],
      identifier: String(params.id),
    }),
  },
});
const grant = [{ type: 'payment_refund', actions: ['refund'], identifier: 'inv_1' }];
let issuer: TestIssuer;

beforeAll(async () => {
  issuer = await createTestIssuer(() => NOW);
});

async function decide(claims: Record<string, unknown>) {
  const gate = testGate(issuer, actions, { now: () => NOW });
  return gate.decide('refund', bearer(await issuer.mint(claims), { params: { id: 'inv_1' } }));
}

const strong = { scope: 'payments:refund', acr: MFA, auth_time: now - 10, authorization_details: grant };

describe('step-up authentication (RFC 9470)', () => {
  it('allows the right acr with a recent auth_time, and exactly at max_age', async () => {
    expect((await decide(strong)).allow).toBe(true);
    expect((await decide({ ...strong, auth_time: now - 600 })).allow).toBe(true);
  });

  it.each([
    ['acr missing', { acr: undefined }],
    ['acr different', { acr: 'urn:other' }],
    ['auth_time missing', { auth_time: undefined }],
    ['auth_time one second too old', { auth_time: now - 601 }],
  ])('answers 401 insufficient_user_authentication when %s', async (_, change) => {
    const decision = await decide({ ...strong, ...change });
    if (decision.allow) throw new Error('allowed');
    expect(decision.status).toBe(401);
    expect(decision.headers['www-authenticate']).toBe(
      `Bearer realm="test", error="insufficient_user_authentication", acr_values="${MFA}", max_age="600", ${METADATA}, ${STEP_UP}`,
    );
    expect(decision.body).toEqual({
      error: 'insufficient_user_authentication',
      error_description: 'This action requires a stronger or more recent user authentication',
    });
  });

  it('adds scope, and the authorization_details needed, when the token would also get a 403', async () => {
    const decision = await decide({ scope: 'invoices:read', acr: 'urn:weak', auth_time: now - 10 });
    if (decision.allow) throw new Error('allowed');
    expect(decision.status).toBe(401);
    expect(decision.headers['www-authenticate']).toBe(
      `Bearer realm="test", error="insufficient_user_authentication", scope="payments:refund", acr_values="${MFA}", max_age="600", ${METADATA}, ${STEP_UP}`,
    );
    expect(decision.body.authorization_details).toEqual(grant);
  });

  it('treats an auth_time beyond the clock tolerance in the future as an invalid token', async () => {
    const decision = await decide({ ...strong, auth_time: now + 61 });
    expect(decision.allow ? undefined : decision.code).toBe('token_not_yet_valid');
    expect((await decide({ ...strong, auth_time: now + 59 })).allow).toBe(true);
  });

  it.each([
    ['acr as a number', { acr: 3 }],
    ['auth_time as a string', { auth_time: String(now) }],
  ])('treats %s as an invalid token', async (_, change) => {
    const decision = await decide({ ...strong, ...change });
    expect(decision.allow ? undefined : decision.code).toBe('token_claims');
  });

  it('refuses acr values that cannot stand in a challenge at declaration', () => {
    expect(() => defineActions({ a: { scopes: [], userAuthentication: { acrValues: ['has space'] } } })).toThrow(
      /actions\.a\.userAuthentication\.acrValues\[0\]/,
    );
    expect(() => defineActions({ a: { scopes: [], userAuthentication: { acrValues: [] } } })).toThrow(/acrValues/);
  });
});
