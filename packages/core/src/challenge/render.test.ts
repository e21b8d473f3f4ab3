import { describe, expect, it } from 'vitest';
import { REFUSALS } from './codes.js';
import { buildCommonRefusals, buildRefusal, type ChallengeOptions } from './refusal.js';
import { isChallengeValue, renderBearerChallenge } from './render.js';

const options: ChallengeOptions = {
  realm: 'invoices',
  resourceMetadata: 'https://api.test/.well-known/oauth-protected-resource',
  includeScope: true,
  includeDescription: true,
  retryAfter: 5,
};
const RM = 'resource_metadata="https://api.test/.well-known/oauth-protected-resource"';

describe('renderBearerChallenge (RFC 6750 §3, RFC 9110 §11.6.1)', () => {
  it('orders parameters realm, error, scope, acr_values, max_age, resource_metadata, error_description', () => {
    expect(
      renderBearerChallenge({
        errorDescription: 'd',
        resourceMetadata: 'https://r',
        maxAge: 600,
        acrValues: ['urn:a', 'urn:b'],
        scope: ['a', 'b'],
        error: 'insufficient_user_authentication',
        realm: 'r',
      }),
    ).toBe(
      'Bearer realm="r", error="insufficient_user_authentication", scope="a b", acr_values="urn:a urn:b", max_age="600", resource_metadata="https://r", error_description="d"',
    );
  });

  it('never renders an empty scope or acr_values', () => {
    expect(renderBearerChallenge({ realm: 'r', scope: [], acrValues: [] })).toBe('Bearer realm="r"');
    expect(renderBearerChallenge({})).toBe('Bearer');
  });

  it('refuses a value that would need escaping', () => {
    expect(() => renderBearerChallenge({ realm: 'a"b' })).toThrow(TypeError);
    expect(() => renderBearerChallenge({ realm: 'a\\b' })).toThrow(TypeError);
    expect(isChallengeValue('a b!#[]~')).toBe(true);
    expect(isChallengeValue('tab\there')).toBe(false);
    expect(isChallengeValue('é')).toBe(false);
  });
});

describe('refusals', () => {
  it('gives a request without credentials a challenge without error and a body without error', () => {
    const refusal = buildRefusal('token_missing', options);
    expect(refusal.status).toBe(401);
    expect(refusal.headers).toEqual({ 'www-authenticate': `Bearer realm="invoices", ${RM}` });
    expect(refusal.body).toEqual({ error_description: 'A bearer access token is required' });
  });

  it('repeats the fixed description in the challenge, unless told not to', () => {
    const refusal = buildRefusal('token_expired', options);
    expect(refusal.headers['www-authenticate']).toBe(
      `Bearer realm="invoices", error="invalid_token", ${RM}, error_description="The access token expired"`,
    );
    const terse = buildRefusal('token_expired', { ...options, includeDescription: false });
    expect(terse.headers['www-authenticate']).toBe(`Bearer realm="invoices", error="invalid_token", ${RM}`);
    expect(terse.body.error_description).toBe('The access token expired');
  });

  it('names the scope of insufficient_scope, unless told not to', () => {
    const requirement = { scope: ['a', 'b'] };
    expect(buildRefusal('scope_missing', options, requirement).headers['www-authenticate']).toContain('scope="a b"');
    const quiet = buildRefusal('scope_missing', { ...options, includeScope: false }, requirement);
    expect(quiet.headers['www-authenticate']).not.toContain('scope=');
  });

  it('answers 503 with Retry-After and no challenge, 500 with neither', () => {
    expect(buildRefusal('keys_unavailable', options).headers).toEqual({ 'retry-after': '5' });
    expect(buildRefusal('internal_error', options).headers).toEqual({});
    expect(buildRefusal('internal_error', options).body).toEqual({
      error_description: 'The request could not be authorized',
    });
  });

  it('renders each refusal once, frozen', () => {
    const table = buildCommonRefusals(options);
    expect(Object.isFrozen(table.token_expired)).toBe(true);
    expect(Object.isFrozen(table.token_expired.headers)).toBe(true);
    expect(Object.isFrozen(table.token_expired.body)).toBe(true);
    expect(buildCommonRefusals(options).token_expired).toEqual(table.token_expired);
  });

  it.each(Object.entries(REFUSALS))('%s has a description a challenge can carry, without "scope="', (_, spec) => {
    expect(isChallengeValue(spec.description)).toBe(true);
    expect(spec.description).not.toContain('scope=');
    expect(spec.description.length).toBeGreaterThan(10);
  });
});
