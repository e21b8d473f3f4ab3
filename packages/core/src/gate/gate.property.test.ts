import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTestIssuer, type TestIssuer, testGate } from '../../test/tokens.js';
import { defineActions } from '../actions/index.js';

let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await createTestIssuer();
});

describe('gate properties', () => {
  it('never rejects and never allows an arbitrary Authorization value', async () => {
    const gate = testGate(issuer, defineActions({ read: { scopes: [] } }));
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ unit: 'binary' }),
          fc.string().map((s) => `Bearer ${s}`),
          fc.tuple(fc.base64String(), fc.base64String(), fc.base64String()).map((parts) => `Bearer ${parts.join('.')}`),
        ),
        async (authorization) => {
          const decision = await gate.decide('read', { method: 'GET', path: '/', authorization });
          expect(decision.allow).toBe(false);
          if (!decision.allow) expect([400, 401]).toContain(decision.status);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('never allows a valid token that misses any required scope', async () => {
    const pool = ['a', 'b', 'c', 'd', 'e'];
    await fc.assert(
      fc.asyncProperty(fc.subarray(pool, { minLength: 1 }), fc.subarray(pool), async (required, held) => {
        const gate = testGate(issuer, defineActions({ act: { scopes: required } }));
        const token = await issuer.mint({ scope: held.join(' ') });
        const decision = await gate.decide('act', { method: 'GET', path: '/', authorization: `Bearer ${token}` });
        expect(decision.allow).toBe(required.every((scope) => held.includes(scope)));
      }),
      { numRuns: 60 },
    );
  });
});
