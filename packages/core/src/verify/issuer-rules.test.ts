import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../errors.js';
import { type IssuerTokenRules, normalizeIssuerRules } from './issuer-rules.js';

function optionAtFault(rules: IssuerTokenRules): string {
  try {
    normalizeIssuerRules(rules, 'issuers[0]');
  } catch (error) {
    if (error instanceof ConfigurationError) return error.option;
    throw error;
  }
  throw new Error('no ConfigurationError');
}

describe('per-issuer token rules', () => {
  it('leaves unset rules to the gate', () => {
    expect(normalizeIssuerRules({}, 'issuers[0]')).toMatchObject({
      tokenTypes: undefined,
      untyped: false,
      requiredClaims: undefined,
      scopes: undefined,
      audience: undefined,
      clientIdClaim: 'client_id',
      tokenIdClaim: 'jti',
      audienceClaim: 'aud',
    });
  });

  it('normalises typ values as media types and null as no typ', () => {
    const rules = normalizeIssuerRules({ tokenTypes: ['JWT', 'application/AT+JWT', null] }, 'issuers[0]');
    expect([...(rules.tokenTypes ?? [])]).toEqual(['application/jwt', 'application/at+jwt']);
    expect(rules.untyped).toBe(true);
  });

  it.each([
    ['issuers[0].tokenTypes', { tokenTypes: [] }],
    ['issuers[0].tokenTypes', { tokenTypes: [''] }],
    ['issuers[0].tokenTypes', { tokenTypes: [7] }],
    ['issuers[0].requiredClaims', { requiredClaims: [] }],
    ['issuers[0].requiredClaims', { requiredClaims: [1] }],
    ['issuers[0].clientIdClaim', { clientIdClaim: 'sub' }],
    ['issuers[0].tokenIdClaim', { tokenIdClaim: 'sid' }],
    ['issuers[0].audienceClaim', { audienceClaim: 'azp' }],
    ['issuers[0].audience', { audience: [] }],
    ['issuers[0].audience', { audienceClaim: 'client_id' }],
    ['issuers[0].claimValues', { claimValues: { ver: 2 } }],
    ['issuers[0].scopes', { scopes: ['groups'] }],
  ])('names %s', (option, rules) => {
    expect(optionAtFault(rules as never)).toBe(option);
  });
});
