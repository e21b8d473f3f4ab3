import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { REFUSALS } from '../challenge/codes.js';
import type { RequestFacts } from '../facts.js';
import { extractToken } from './index.js';

const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;
const anyValue = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.stringMatching(/^[A-Za-z0-9\-._~+/]{1,20}={0,2}$/),
  fc.array(fc.string()),
  fc.anything(),
);
const b64token = fc.stringMatching(/^[A-Za-z0-9\-._~+/]{1,20}={0,2}$/);
const authorizationValue = fc.oneof(
  fc.constant(undefined),
  fc.string({ unit: 'binary' }),
  fc.string().map((s) => `Bearer ${s}`),
  b64token.map((token) => `Bearer ${token}`),
  b64token.map((token) => [`bearer  ${token}`]),
  fc.array(fc.string({ unit: 'binary' }), { maxLength: 3 }),
);
const method = fc.constantFrom('GET', 'POST', 'PUT', 'get', 'DELETE');

describe('extractToken properties', () => {
  it('never throws, and gives either a b64token or a known refusal', () => {
    fc.assert(
      fc.property(
        authorizationValue,
        fc.option(anyValue, { nil: undefined }),
        fc.option(anyValue, { nil: undefined }),
        fc.boolean(),
        method,
        fc.boolean(),
        fc.boolean(),
        (authorization, queryAccessToken, bodyAccessToken, bodyIsForm, verb, allowBody, allowQuery) => {
          const facts: RequestFacts = {
            method: verb,
            path: '/',
            authorization,
            queryAccessToken,
            bodyAccessToken,
            bodyIsForm,
          };
          const result = extractToken(facts, { allowBodyToken: allowBody, allowQueryToken: allowQuery });
          if ('token' in result) {
            expect(result.token).toMatch(B64TOKEN);
            // The token comes from exactly one place, and that place is allowed.
            const header =
              Array.isArray(authorization) && authorization.length === 1 ? authorization[0] : authorization;
            const from = [
              typeof header === 'string' && /^bearer +/i.test(header) && header.endsWith(result.token),
              allowQuery && queryAccessToken === result.token,
              allowBody && bodyIsForm && bodyAccessToken === result.token,
            ];
            expect(from.filter(Boolean)).toHaveLength(1);
          } else expect(Object.keys(REFUSALS)).toContain(result.refusal);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('never takes a token from the query or the body while those methods are off', () => {
    const present = (value: unknown) => value !== undefined && value !== null;
    fc.assert(
      fc.property(
        fc.option(anyValue, { nil: undefined }),
        fc.option(anyValue, { nil: undefined }),
        fc.boolean(),
        (queryAccessToken, bodyAccessToken, bodyIsForm) => {
          const result = extractToken(
            { method: 'POST', path: '/', authorization: undefined, queryAccessToken, bodyAccessToken, bodyIsForm },
            { allowBodyToken: false, allowQueryToken: false },
          );
          let expected = 'token_missing';
          if (present(bodyAccessToken)) expected = 'token_in_body';
          if (present(queryAccessToken)) expected = 'token_in_query';
          expect(result).toEqual({ refusal: expected });
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('refuses any two Authorization fields, whatever they hold', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'binary' }), { minLength: 2, maxLength: 5 }), (authorization) => {
        const result = extractToken(
          { method: 'GET', path: '/', authorization },
          { allowBodyToken: true, allowQueryToken: true },
        );
        expect(result).toEqual({ refusal: 'authorization_repeated' });
      }),
    );
  });

  it('finds the token in any well-formed Bearer header', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[A-Za-z0-9\-._~+/]{1,64}={0,2}$/),
        fc.constantFrom('Bearer', 'bearer', 'BEARER', 'bEaReR'),
        fc.integer({ min: 1, max: 4 }),
        (token, scheme, spaces) => {
          expect(
            extractToken(
              { method: 'GET', path: '/', authorization: `${scheme}${' '.repeat(spaces)}${token}` },
              {
                allowBodyToken: false,
                allowQueryToken: false,
              },
            ),
          ).toEqual({ token });
        },
      ),
    );
  });
});
