/**
 * Whatever a deployment declares (scopes from the RFC 6749 §3.3 charset, a realm from RFC 6750
 * §3's), every challenge an action can give keeps the contract's syntax: the grammar, the
 * order, never `scope=""`, and an `error_description` without the text `scope=`.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defineActions } from '../actions/index.js';
import type { Refusal } from '../challenge/refusal.js';
import { createGate } from './index.js';

const scopeToken = fc.stringMatching(/^[\x21\x23-\x5B\x5D-\x7E]{1,16}$/);
// Scopes that look like parameters, to tempt a description into carrying `scope=`.
const trickyScope = fc.constantFrom('scope=admin', 'x:scope=y', 'SCOPE=a', 'error=x', 'a,b=c');
const anyScope = fc.oneof(scopeToken, trickyScope);
const realm = fc.stringMatching(/^[\x20\x21\x23-\x5B\x5D-\x7E]{0,30}$/);
const VALUE = '[\\x20\\x21\\x23-\\x5B\\x5D-\\x7E]*';
const GRAMMAR = new RegExp(`^Bearer(?: [a-z_]+="${VALUE}"(?:, [a-z_]+="${VALUE}")*)?$`);
const ORDER = ['realm', 'error', 'scope', 'acr_values', 'max_age', 'resource_metadata', 'error_description'];

function expectContractSyntax(refusal: Refusal) {
  const header = refusal.headers['www-authenticate'] as string;
  expect(header).toMatch(GRAMMAR);
  const params = [...header.matchAll(/([a-z_]+)="([^"]*)"/g)].map((m) => [m[1] as string, m[2] as string] as const);
  const names = params.map(([name]) => name);
  expect(names).toEqual(ORDER.filter((name) => names.includes(name)));
  const map = new Map(params);
  expect(map.get('scope')).not.toBe('');
  expect(map.get('error_description') ?? '').not.toMatch(/scope=/i);
  expect(refusal.body.error_description).not.toMatch(/scope=/i);
}

describe('every refusal an action can give keeps the challenge syntax', () => {
  it('for arbitrary declared scopes, alternatives and realms', () => {
    fc.assert(
      fc.property(
        fc.array(anyScope, { maxLength: 3 }),
        fc.option(
          fc.array(fc.oneof(anyScope, fc.array(anyScope, { minLength: 1, maxLength: 3 })), {
            minLength: 1,
            maxLength: 4,
          }),
          {
            nil: undefined,
          },
        ),
        realm,
        fc.option(fc.array(scopeToken, { minLength: 1, maxLength: 2 }), { nil: undefined }),
        (scopes, anyOf, realmValue, acrValues) => {
          const actions = defineActions({
            act: {
              scopes,
              ...(anyOf === undefined ? {} : { anyOf }),
              ...(acrValues === undefined ? {} : { userAuthentication: { acrValues, maxAge: 60 } }),
            },
          });
          const gate = createGate({
            actions,
            resource: 'https://api.test',
            realm: realmValue,
            issuers: [{ issuer: 'https://as.test', jwksUri: 'https://as.test/jwks' }],
          });
          const prepared = gate.prepare('act');
          const refusals = [...Object.values(prepared.insufficient), prepared.stepUp, prepared.stepUpWithScope];
          for (const refusal of refusals) expectContractSyntax(refusal);
          // The challenge's scope is the complete requirement: every all-of scope and the first alternative.
          const named = new Map(
            [
              ...(prepared.insufficient.scope.headers['www-authenticate'] as string).matchAll(/([a-z_]+)="([^"]*)"/g),
            ].map((m) => [m[1], m[2]]),
          ).get('scope');
          const first = anyOf?.[0];
          const expected = [...new Set([...scopes, ...(first === undefined ? [] : [first].flat())])];
          expect(named?.split(' ') ?? []).toEqual(expected);
        },
      ),
      { numRuns: 400 },
    );
  });
});
