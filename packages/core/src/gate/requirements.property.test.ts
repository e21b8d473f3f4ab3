/**
 * For random action declarations and random claims, the gate allows exactly when every
 * requirement is met: scopes, freshness, user authentication and binding, each decided here
 * independently of the implementation.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestIssuer, type TestIssuer, testGate } from '../../test/tokens.js';
import { defineActions } from '../actions/index.js';

const NOW = 1_800_000_000_000;
const now = NOW / 1000;
const MFA = 'urn:mfa';
const POOL = ['a', 'b', 'c', 'd'];
let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await createTestIssuer(() => NOW);
});

const declaration = fc.record({
  scopes: fc.subarray(POOL),
  maxTokenAge: fc.option(fc.integer({ min: 0, max: 600 }), { nil: undefined }),
  stepUp: fc.option(fc.integer({ min: 0, max: 600 }), { nil: undefined }),
  bound: fc.boolean(),
});
const claims = fc.record({
  scopes: fc.subarray(POOL),
  age: fc.integer({ min: 0, max: 900 }),
  acr: fc.constantFrom(MFA, 'urn:weak', undefined),
  authAge: fc.option(fc.integer({ min: 0, max: 900 }), { nil: undefined }),
  grant: fc.constantFrom('right', 'other-id', 'wrong-shape', 'none'),
});

describe('requirements property', () => {
  it('allows exactly when every declared requirement holds', async () => {
    await fc.assert(
      fc.asyncProperty(declaration, claims, async (d, c) => {
        const actions = defineActions({
          act: {
            scopes: d.scopes,
            ...(d.maxTokenAge === undefined ? {} : { maxTokenAge: d.maxTokenAge }),
            ...(d.stepUp === undefined ? {} : { userAuthentication: { acrValues: [MFA], maxAge: d.stepUp } }),
            ...(d.bound ? { authorizationDetails: () => ({ type: 't', actions: ['do'], identifier: 'x1' }) } : {}),
          },
        });
        const details = {
          right: [{ type: 't', actions: ['do'], identifier: 'x1' }],
          'other-id': [{ type: 't', actions: ['do'], identifier: 'x2' }],
          'wrong-shape': { type: 't' },
          none: undefined,
        }[c.grant];
        const token = await issuer.mint({
          scope: c.scopes.join(' '),
          iat: now - c.age,
          exp: now + 3600,
          acr: c.acr,
          auth_time: c.authAge === undefined ? undefined : now - c.authAge,
          authorization_details: details,
        });
        const decision = await testGate(issuer, actions, { now: () => NOW }).decide('act', bearer(token));

        const expected =
          d.scopes.every((scope) => c.scopes.includes(scope)) &&
          (d.maxTokenAge === undefined || c.age <= d.maxTokenAge) &&
          (d.stepUp === undefined || (c.acr === MFA && c.authAge !== undefined && c.authAge <= d.stepUp)) &&
          (!d.bound || c.grant === 'right');
        expect(decision.allow).toBe(expected);
      }),
      { numRuns: 150 },
    );
  });
});
