import { renderBearerChallenge } from '@actiongate/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { corpus } from '../../test/challenge-corpus.js';
import { findBearerChallenge } from './bearer.js';
import { parseChallenges } from './parse.js';

describe('parseChallenges: the corpus', () => {
  it.each(corpus.map((entry) => [entry.name, entry] as const))('%s', (_, entry) => {
    const parsed = parseChallenges(entry.fields);
    expect(
      parsed.map(({ scheme, params, token68 }) => ({
        scheme,
        ...(Object.keys(params).length > 0 ? { params: { ...params } } : {}),
        ...(token68 === undefined ? {} : { token68 }),
      })),
    ).toEqual(
      entry.expected.map((challenge) => ({
        ...challenge,
        ...(challenge.params ? { params: { ...challenge.params } } : {}),
      })),
    );
  });

  it('reads a Headers object, whose get() joins repeated fields', () => {
    const headers = new Headers();
    headers.append('www-authenticate', 'DPoP algs="ES256"');
    headers.append('www-authenticate', 'Bearer scope="a b", max_age="600", acr_values="urn:x urn:y"');
    const bearer = findBearerChallenge(headers);
    expect(bearer?.scope).toEqual(['a', 'b']);
    expect(bearer?.maxAge).toBe(600);
    expect(bearer?.acrValues).toEqual(['urn:x', 'urn:y']);
  });
});

// What the core may render: RFC 6749 §3.3 scope tokens and RFC 6750 §3 value characters.
const scopeToken = fc.stringMatching(/^[\x21\x23-\x5B\x5D-\x7E]{1,16}$/);
const value = fc.stringMatching(/^[\x20\x21\x23-\x5B\x5D-\x7E]{0,30}$/);

describe('parseChallenges: properties', () => {
  it('never throws, whatever the input', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'binary' }), { maxLength: 3 }), (fields) => {
        expect(Array.isArray(parseChallenges(fields))).toBe(true);
      }),
      { numRuns: 3000 },
    );
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom('Bearer', ' ', ',', '=', '"', '\\', 'a', 'realm', '\t', 'x="y"')),
        (parts) => {
          expect(Array.isArray(parseChallenges(parts.join('')))).toBe(true);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('reads back exactly what the core renders', () => {
    fc.assert(
      fc.property(
        fc.record(
          {
            realm: value,
            error: fc.constantFrom(
              'invalid_request',
              'invalid_token',
              'insufficient_scope',
              'insufficient_user_authentication',
            ),
            scope: fc.array(scopeToken, { minLength: 1, maxLength: 4 }),
            acrValues: fc.array(scopeToken, { minLength: 1, maxLength: 3 }),
            maxAge: fc.nat(),
            resourceMetadata: value,
            errorDescription: value,
          },
          { requiredKeys: [] },
        ),
        fc.constantFrom('', 'Basic realm="other", ', 'DPoP algs="ES256", '),
        (params, before) => {
          const bearer = findBearerChallenge(before + renderBearerChallenge(params));
          expect(bearer).toBeDefined();
          expect(bearer?.realm).toBe(params.realm);
          expect(bearer?.error).toBe(params.error);
          expect(bearer?.scope).toEqual(params.scope);
          expect(bearer?.acrValues).toEqual(params.acrValues);
          expect(bearer?.maxAge).toBe(params.maxAge);
          expect(bearer?.resourceMetadata).toBe(params.resourceMetadata);
          expect(bearer?.errorDescription).toBe(params.errorDescription);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
