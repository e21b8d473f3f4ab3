import { describe, expect, it } from 'vitest';
import { isChallengeValue, renderBearerChallenge } from './render.js';

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

  it('renders each parameter alone exactly', () => {
    expect(renderBearerChallenge({ realm: 'invoices' })).toBe('Bearer realm="invoices"');
    expect(renderBearerChallenge({ error: 'invalid_token' })).toBe('Bearer error="invalid_token"');
    expect(renderBearerChallenge({ scope: ['a'] })).toBe('Bearer scope="a"');
    expect(renderBearerChallenge({ acrValues: ['urn:x'] })).toBe('Bearer acr_values="urn:x"');
    expect(renderBearerChallenge({ maxAge: 0 })).toBe('Bearer max_age="0"');
    expect(renderBearerChallenge({ resourceMetadata: 'https://r/m' })).toBe('Bearer resource_metadata="https://r/m"');
    expect(renderBearerChallenge({ errorDescription: '' })).toBe('Bearer error_description=""');
  });

  it('keeps the order whatever order the parameters are given in', () => {
    const expected = 'Bearer realm="r", error="invalid_token", resource_metadata="https://r", error_description="d"';
    expect(
      renderBearerChallenge({
        errorDescription: 'd',
        error: 'invalid_token',
        resourceMetadata: 'https://r',
        realm: 'r',
      }),
    ).toBe(expected);
    expect(
      renderBearerChallenge({
        realm: 'r',
        resourceMetadata: 'https://r',
        error: 'invalid_token',
        errorDescription: 'd',
      }),
    ).toBe(expected);
  });

  it('leaves out parameters that are undefined, never rendering them empty', () => {
    const header = renderBearerChallenge({
      realm: 'r',
      error: undefined,
      scope: undefined,
      acrValues: undefined,
      maxAge: undefined,
      resourceMetadata: undefined,
      errorDescription: undefined,
    });
    expect(header).toBe('Bearer realm="r"');
    expect(renderBearerChallenge({ error: 'insufficient_scope', scope: [] })).not.toContain('scope=');
  });

  it('refuses a value that would need escaping', () => {
    expect(() => renderBearerChallenge({ realm: 'a"b' })).toThrow(TypeError);
    expect(() => renderBearerChallenge({ realm: 'a\\b' })).toThrow(TypeError);
    expect(isChallengeValue('a b!#[]~')).toBe(true);
    expect(isChallengeValue('tab\there')).toBe(false);
    expect(isChallengeValue('é')).toBe(false);
    expect(() => renderBearerChallenge({ errorDescription: 'line\nbreak' })).toThrow(TypeError);
    expect(() => renderBearerChallenge({ scope: ['a"b'] })).toThrow(TypeError);
    expect(() => renderBearerChallenge({ resourceMetadata: 'https://r/\u00e9' })).toThrow(TypeError);
  });

  it.each([
    ['%x20-21', ' !', true],
    ['%x23-5B', '#$%&()*+,-./0123456789:;<=>?@ABCXYZ[', true],
    ['%x5D-7E', ']^_`abcxyz{|}~', true],
    ['%x22 (quote)', '"', false],
    ['%x5C (backslash)', '\\', false],
    ['%x7F (DEL)', '\u007f', false],
    ['%x1F', '\u001f', false],
    ['%x09 (tab)', '\t', false],
  ])('isChallengeValue %s', (_, value, allowed) => {
    expect(isChallengeValue(value)).toBe(allowed);
  });
});
