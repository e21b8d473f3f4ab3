import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildCommonRefusals } from './refusal.js';
import { renderBearerChallenge } from './render.js';

// RFC 6749 §3.3 scope-token and RFC 6750 §3 value characters.
const scopeToken = fc.stringMatching(/^[\x21\x23-\x5B\x5D-\x7E]{1,20}$/);
const value = fc.stringMatching(/^[\x20\x21\x23-\x5B\x5D-\x7E]{0,40}$/);
const VALUE = '[\\x20\\x21\\x23-\\x5B\\x5D-\\x7E]*';
// A strict reading of the rendered grammar: `Bearer`, then `name="value"` joined by ", ".
const GRAMMAR = new RegExp(`^Bearer(?: [a-z_]+="${VALUE}"(?:, [a-z_]+="${VALUE}")*)?$`);
const ORDER = ['realm', 'error', 'scope', 'acr_values', 'max_age', 'resource_metadata', 'error_description'];

function parse(header: string): [string, string][] {
  return [...header.matchAll(/([a-z_]+)="([^"]*)"/g)].map((match) => [match[1] as string, match[2] as string]);
}

/** The parameter names appear once each, in the contract's order, and no value is empty where that is banned. */
function expectWellFormed(header: string): Map<string, string> {
  expect(header).toMatch(GRAMMAR);
  const params = parse(header);
  const names = params.map(([name]) => name);
  expect(names).toEqual(ORDER.filter((name) => names.includes(name)));
  const map = new Map(params);
  expect(map.get('scope')).not.toBe('');
  expect(map.get('acr_values')).not.toBe('');
  return map;
}

describe('renderBearerChallenge properties', () => {
  it('always yields the grammar, in order, and the values come back unchanged', () => {
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
          const parsed = expectWellFormed(renderBearerChallenge(params));
          expect(parsed.get('realm')).toBe(params.realm);
          expect(parsed.get('error')).toBe(params.error);
          if (params.scope !== undefined && params.scope.length > 0) {
            expect(parsed.get('scope')?.split(' ')).toEqual(params.scope);
          } else expect(parsed.has('scope')).toBe(false);
          if (params.acrValues !== undefined && params.acrValues.length > 0) {
            expect(parsed.get('acr_values')?.split(' ')).toEqual(params.acrValues);
          } else expect(parsed.has('acr_values')).toBe(false);
          expect(parsed.get('max_age')).toBe(params.maxAge === undefined ? undefined : String(params.maxAge));
          expect(parsed.get('resource_metadata')).toBe(params.resourceMetadata);
          expect(parsed.get('error_description')).toBe(params.errorDescription);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('throws, rather than render, a value with a character outside RFC 6750 §3', () => {
    fc.assert(
      fc.property(
        value,
        fc.constantFrom('"', '\\', '\n', '\r', '\t', '\u007f', '\u0000', 'é'),
        value,
        (before, bad, after) => {
          expect(() => renderBearerChallenge({ realm: `${before}${bad}${after}` })).toThrow(TypeError);
          expect(() => renderBearerChallenge({ errorDescription: `${before}${bad}${after}` })).toThrow(TypeError);
        },
      ),
    );
  });

  it('renders every common refusal within the grammar, for any allowed realm and metadata URL', () => {
    fc.assert(
      fc.property(
        fc.option(value, { nil: undefined }),
        fc.option(value, { nil: undefined }),
        fc.boolean(),
        fc.nat({ max: 3600 }),
        (realm, resourceMetadata, includeDescription, retryAfter) => {
          const table = buildCommonRefusals({
            realm,
            resourceMetadata,
            includeScope: true,
            includeDescription,
            retryAfter,
          });
          for (const refusal of Object.values(table)) {
            const header = refusal.headers['www-authenticate'];
            if (header === undefined) continue;
            const params = expectWellFormed(header);
            expect(params.get('realm')).toBe(realm);
            expect(params.get('resource_metadata')).toBe(resourceMetadata);
            expect(params.get('error_description') ?? '').not.toContain('scope=');
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
