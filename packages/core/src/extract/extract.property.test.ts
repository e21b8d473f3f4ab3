import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { REFUSALS } from '../challenge/codes.js';
import { extractToken } from './index.js';

const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;
const anyValue = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.array(fc.string()), fc.anything());

describe('extractToken properties', () => {
  it('never throws, and gives either a b64token or a known refusal', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.constant(undefined), fc.string({ unit: 'binary' }), fc.array(fc.string(), { maxLength: 3 })),
        fc.option(anyValue, { nil: undefined }),
        fc.option(anyValue, { nil: undefined }),
        fc.boolean(),
        fc.boolean(),
        (authorization, queryAccessToken, bodyAccessToken, bodyIsForm, allow) => {
          const result = extractToken(
            { method: 'POST', path: '/', authorization, queryAccessToken, bodyAccessToken, bodyIsForm },
            { allowBodyToken: allow, allowQueryToken: allow },
          );
          if ('token' in result) expect(result.token).toMatch(B64TOKEN);
          else expect(Object.keys(REFUSALS)).toContain(result.refusal);
        },
      ),
      { numRuns: 2000 },
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
