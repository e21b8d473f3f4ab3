import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { renderBearerChallenge } from './render.js';

// RFC 6749 §3.3 scope-token and RFC 6750 §3 value characters.
const scopeToken = fc.stringMatching(/^[\x21\x23-\x5B\x5D-\x7E]{1,20}$/);
const value = fc.stringMatching(/^[\x20\x21\x23-\x5B\x5D-\x7E]{0,40}$/);
// A strict reading of the rendered grammar: `Bearer`, then `name="value"` joined by ", ".
const GRAMMAR = /^Bearer(?: [a-z_]+="[\x20\x21\x23-\x5B\x5D-\x7E]*"(?:, [a-z_]+="[\x20\x21\x23-\x5B\x5D-\x7E]*")*)?$/;

function parse(header: string): Map<string, string> {
  const params = new Map<string, string>();
  for (const match of header.matchAll(/([a-z_]+)="([^"]*)"/g)) params.set(match[1] as string, match[2] as string);
  return params;
}

describe('renderBearerChallenge properties', () => {
  it('always yields the grammar, and the values come back unchanged', () => {
    fc.assert(
      fc.property(
        fc.record(
          {
            realm: value,
            error: fc.constantFrom('invalid_request', 'invalid_token', 'insufficient_scope'),
            scope: fc.array(scopeToken, { maxLength: 5 }),
            acrValues: fc.array(scopeToken, { maxLength: 3 }),
            maxAge: fc.nat(),
            resourceMetadata: value,
            errorDescription: value,
          },
          { requiredKeys: [] },
        ),
        (params) => {
          const header = renderBearerChallenge(params);
          expect(header).toMatch(GRAMMAR);
          const parsed = parse(header);
          if (params.realm !== undefined) expect(parsed.get('realm')).toBe(params.realm);
          if (params.scope !== undefined && params.scope.length > 0) {
            expect(parsed.get('scope')?.split(' ')).toEqual(params.scope);
          } else expect(parsed.has('scope')).toBe(false);
          if (params.maxAge !== undefined) expect(parsed.get('max_age')).toBe(String(params.maxAge));
          if (params.errorDescription !== undefined)
            expect(parsed.get('error_description')).toBe(params.errorDescription);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
