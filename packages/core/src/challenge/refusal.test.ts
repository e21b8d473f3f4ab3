import { describe, expect, it } from 'vitest';
import { REFUSALS, type RefusalCode } from './codes.js';
import { buildCommonRefusals, buildRefusal, type ChallengeOptions, withAuthorizationDetails } from './refusal.js';
import { isChallengeValue } from './render.js';

const options: ChallengeOptions = {
  realm: 'invoices',
  resourceMetadata: 'https://api.test/.well-known/oauth-protected-resource',
  includeScope: true,
  includeDescription: true,
  retryAfter: 5,
};
const RM = 'resource_metadata="https://api.test/.well-known/oauth-protected-resource"';
const challenge = (error: string, description: string) =>
  `Bearer realm="invoices", error="${error}", ${RM}, error_description="${description}"`;
const invalidRequest = (description: string) => challenge('invalid_request', description);
const invalidToken = (description: string) => challenge('invalid_token', description);
const insufficientScope = (description: string) => challenge('insufficient_scope', description);

/** Every refusal that does not depend on an action, byte for byte; `null`: no challenge at all. */
const EXPECTED: Record<RefusalCode, string | null> = {
  token_missing: `Bearer realm="invoices", ${RM}`,
  authorization_malformed: invalidRequest('The Authorization header is not valid Bearer credentials'),
  authorization_repeated: invalidRequest('The request has more than one Authorization header'),
  token_in_query: invalidRequest('Access tokens are not accepted in the query string'),
  token_in_body: invalidRequest('Access tokens are not accepted in the request body'),
  token_methods_multiple: invalidRequest('The request sends an access token by more than one method'),
  access_token_malformed: invalidRequest('The access_token parameter is not a single valid token'),
  token_too_large: invalidToken('The access token is too large'),
  token_malformed: invalidToken('The access token is not a well-formed signed JWT'),
  token_type: invalidToken('The access token is not of type at+jwt'),
  token_algorithm: invalidToken('The access token is signed with an algorithm that is not accepted'),
  token_signature: invalidToken('The access token signature is not valid'),
  token_key_unknown: invalidToken('The access token is signed with an unknown key'),
  token_issuer: invalidToken('The access token is not from a trusted issuer'),
  token_audience: invalidToken('The access token is not intended for this resource'),
  token_expired: invalidToken('The access token expired'),
  token_not_yet_valid: invalidToken('The access token is not valid yet'),
  token_claims: invalidToken('The access token lacks a required claim or has a claim of the wrong type'),
  token_replayed: invalidToken('The access token was already used'),
  dpop_authorization_malformed: invalidRequest('The Authorization header is not valid DPoP credentials'),
  dpop_proof_invalid: challenge('invalid_dpop_proof', 'The DPoP proof is missing or not valid for this request'),
  dpop_proof_replayed: challenge('invalid_dpop_proof', 'The DPoP proof was already used'),
  dpop_nonce_required: challenge('use_dpop_nonce', 'The DPoP proof must carry the nonce this server provides'),
  dpop_key_mismatch: invalidToken('The access token is bound to another DPoP key'),
  dpop_token_unbound: invalidToken('The access token is not bound to a DPoP key'),
  token_dpop_bound: invalidToken('The access token is DPoP-bound and must be sent with a DPoP proof'),
  dpop_required: `Bearer realm="invoices", ${RM}`,
  token_inactive: invalidToken('The access token is not active'),
  token_revoked: invalidToken('The access token was revoked'),
  user_authentication_required: challenge(
    'insufficient_user_authentication',
    'This action requires a stronger or more recent user authentication',
  ),
  scope_missing: insufficientScope('The access token lacks the scopes this action requires'),
  binding_missing: insufficientScope('The access token lacks the authorization_details entry this request requires'),
  token_not_fresh: insufficientScope('The access token is too old for this action; a fresh token is needed'),
  context_refused: insufficientScope('The access token does not permit this request'),
  grant_spent: insufficientScope('The access token was already used for this action; a new grant is needed'),
  budget_spent: insufficientScope('The access token has no uses of this action left; a new grant is needed'),
  keys_unavailable: null,
  introspection_unavailable: null,
  replay_store_unavailable: null,
  revocation_unavailable: null,
  internal_error: null,
};

describe('refusals, byte for byte', () => {
  const table = buildCommonRefusals(options);

  it('covers every refusal code', () => {
    expect(Object.keys(table).sort()).toEqual(Object.keys(REFUSALS).sort());
    expect(Object.keys(EXPECTED).sort()).toEqual(Object.keys(REFUSALS).sort());
  });

  it.each(Object.entries(EXPECTED))('%s', (code, header) => {
    const refusal = table[code as RefusalCode];
    const spec = REFUSALS[code as RefusalCode];
    expect(refusal.allow).toBe(false);
    expect(refusal.code).toBe(code);
    expect(refusal.status).toBe(spec.status);
    if (header === null) expect(refusal.headers['www-authenticate']).toBeUndefined();
    else expect(refusal.headers['www-authenticate']).toBe(header);
    expect(refusal.body).toEqual(
      spec.error === undefined
        ? { error_description: spec.description }
        : { error: spec.error, error_description: spec.description },
    );
  });

  it('answers 503 with Retry-After and no challenge, 500 with neither', () => {
    expect(table.keys_unavailable.headers).toEqual({ 'retry-after': '5' });
    expect(table.replay_store_unavailable.headers).toEqual({ 'retry-after': '5' });
    expect(table.internal_error.headers).toEqual({});
    expect(table.internal_error.body).toEqual({ error_description: 'The request could not be authorized' });
    expect(buildRefusal('keys_unavailable', { ...options, retryAfter: 0 }).headers).toEqual({ 'retry-after': '0' });
    for (const refusal of Object.values(table)) {
      if (refusal.status === 503) expect(Object.keys(refusal.headers)).toEqual(['retry-after']);
      else if (refusal.status === 500) expect(refusal.headers).toEqual({});
      else expect(Object.keys(refusal.headers)).toEqual(['www-authenticate']);
    }
  });

  it('renders each refusal once, frozen, and the same each time', () => {
    expect(Object.isFrozen(table)).toBe(true);
    for (const refusal of Object.values(table)) {
      expect(Object.isFrozen(refusal)).toBe(true);
      expect(Object.isFrozen(refusal.headers)).toBe(true);
      expect(Object.isFrozen(refusal.body)).toBe(true);
    }
    expect(buildCommonRefusals(options)).toEqual(table);
  });
});

describe('refusal options', () => {
  it('leaves the description out of the challenge when told to, never out of the body', () => {
    const terse = buildRefusal('token_expired', { ...options, includeDescription: false });
    expect(terse.headers['www-authenticate']).toBe(`Bearer realm="invoices", error="invalid_token", ${RM}`);
    expect(terse.body.error_description).toBe('The access token expired');
  });

  it('names the scope of insufficient_scope, unless told not to, and never as scope=""', () => {
    const requirement = { scope: ['a', 'b'] };
    expect(buildRefusal('scope_missing', options, requirement).headers['www-authenticate']).toBe(
      `Bearer realm="invoices", error="insufficient_scope", scope="a b", ${RM}, error_description="The access token lacks the scopes this action requires"`,
    );
    const quiet = buildRefusal('scope_missing', { ...options, includeScope: false }, requirement);
    expect(quiet.headers['www-authenticate']).not.toContain('scope=');
    const none = buildRefusal('token_not_fresh', options, { scope: [] });
    expect(none.headers['www-authenticate']).toBe(
      insufficientScope('The access token is too old for this action; a fresh token is needed'),
    );
  });

  it('renders step-up with acr_values and max_age, and scope when asked (RFC 9470 §3)', () => {
    const stepUp = buildRefusal('user_authentication_required', options, {
      acrValues: ['urn:actiongate:mfa'],
      maxAge: 600,
      scope: ['payments:refund'],
    });
    expect(stepUp.status).toBe(401);
    expect(stepUp.headers['www-authenticate']).toBe(
      `Bearer realm="invoices", error="insufficient_user_authentication", scope="payments:refund", acr_values="urn:actiongate:mfa", max_age="600", ${RM}, error_description="This action requires a stronger or more recent user authentication"`,
    );
  });

  it('has no realm or resource_metadata when none is configured', () => {
    const bare = { ...options, realm: undefined, resourceMetadata: undefined };
    expect(buildRefusal('token_missing', bare).headers['www-authenticate']).toBe('Bearer');
    expect(buildRefusal('token_expired', bare).headers['www-authenticate']).toBe(
      'Bearer error="invalid_token", error_description="The access token expired"',
    );
  });

  it('gives a request without credentials no error and no description in the challenge', () => {
    const refusal = buildRefusal('token_missing', options);
    expect(refusal.status).toBe(401);
    expect(refusal.headers['www-authenticate']).not.toContain('error');
    expect(refusal.body).toEqual({ error_description: 'A bearer access token is required' });
  });

  it('adds authorization_details to the body only, leaving the original untouched', () => {
    const base = buildRefusal('binding_missing', options, { scope: ['payments:refund'] });
    const detail = { type: 'payment_refund', identifier: 'inv_1001' };
    const withDetails = withAuthorizationDetails(base, [detail]);
    expect(withDetails.body).toEqual({ ...base.body, authorization_details: [detail] });
    expect(withDetails.headers).toBe(base.headers);
    expect(base.body).not.toHaveProperty('authorization_details');
  });
});

describe('challenges for Bearer and DPoP (RFC 9449 §7.1)', () => {
  const both: ChallengeOptions = { ...options, schemes: 'both', dpopAlgs: ['ES256', 'EdDSA'] };
  const DPOP = `DPoP realm="invoices", algs="ES256 EdDSA", ${RM}`;
  const BEARER = `Bearer realm="invoices", ${RM}`;

  it('offers both, Bearer first, without error when no token was sent', () => {
    expect(buildRefusal('token_missing', both).headers['www-authenticate']).toBe(`${BEARER}, ${DPOP}`);
  });

  it('puts the error in the Bearer challenge for a Bearer request', () => {
    expect(buildRefusal('token_expired', { ...both, used: 'bearer' }).headers['www-authenticate']).toBe(
      `${invalidToken('The access token expired')}, ${DPOP}`,
    );
  });

  it('puts the error, with algs after max_age, in the DPoP challenge for a DPoP request', () => {
    const refusal = buildRefusal(
      'user_authentication_required',
      { ...both, used: 'dpop' },
      { acrValues: ['urn:actiongate:mfa'], maxAge: 600, scope: ['payments:refund'] },
    );
    expect(refusal.headers['www-authenticate']).toBe(
      `${BEARER}, DPoP realm="invoices", error="insufficient_user_authentication", scope="payments:refund", acr_values="urn:actiongate:mfa", max_age="600", algs="ES256 EdDSA", ${RM}, error_description="This action requires a stronger or more recent user authentication"`,
    );
  });

  it('offers only DPoP for a DPoP-only action, without error when the method is unsupported', () => {
    const only: ChallengeOptions = { ...both, schemes: 'dpop' };
    expect(buildRefusal('dpop_required', only).headers['www-authenticate']).toBe(DPOP);
    expect(buildRefusal('dpop_proof_invalid', only).headers['www-authenticate']).toBe(
      `DPoP realm="invoices", error="invalid_dpop_proof", algs="ES256 EdDSA", ${RM}, error_description="The DPoP proof is missing or not valid for this request"`,
    );
  });

  it('takes the scheme used and DPoP-only from the requirement (renderRefusal for adapters that re-render)', () => {
    expect(buildRefusal('token_expired', both, { used: 'dpop' }).headers['www-authenticate']).toBe(
      `${BEARER}, DPoP realm="invoices", error="invalid_token", algs="ES256 EdDSA", ${RM}, error_description="The access token expired"`,
    );
    expect(buildRefusal('token_expired', both, { used: 'dpop', dpopOnly: true }).headers['www-authenticate']).toBe(
      `DPoP realm="invoices", error="invalid_token", algs="ES256 EdDSA", ${RM}, error_description="The access token expired"`,
    );
    // A gate without DPoP offers Bearer alone, whatever the requirement says.
    expect(buildRefusal('token_expired', options, { used: 'dpop', dpopOnly: true }).headers['www-authenticate']).toBe(
      invalidToken('The access token expired'),
    );
  });
});

describe('refusal descriptions', () => {
  it.each(Object.entries(REFUSALS))('%s has a description a challenge can carry, without "scope="', (_, spec) => {
    expect(spec.description).toMatch(/^[\x20\x21\x23-\x5B\x5D-\x7E]+$/);
    expect(isChallengeValue(spec.description)).toBe(true);
    expect(spec.description.toLowerCase()).not.toContain('scope=');
    expect(spec.description.length).toBeGreaterThan(10);
  });

  it('maps status to error as RFC 6750 §3.1 and RFC 9470 §3 have it', () => {
    for (const spec of Object.values(REFUSALS)) {
      const expected = {
        400: ['invalid_request'],
        401: [
          undefined,
          'invalid_token',
          'insufficient_user_authentication',
          // RFC 9449 §7.1 and §9.
          'invalid_dpop_proof',
          'use_dpop_nonce',
        ],
        403: ['insufficient_scope'],
        500: [undefined],
        503: [undefined],
      }[spec.status];
      expect(expected).toContain(spec.error);
    }
  });
});
