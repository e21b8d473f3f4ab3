import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTestIssuer, type TestIssuer, testGate } from '../../test/tokens.js';
import { defineActions } from '../actions/index.js';
import type { RequestFacts } from '../facts.js';

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await createTestIssuer();
});

/** The bytes a compact JWS stands for: two tokens with the same bytes are the same token. */
const decoded = (token: string) => token.split('.').map((part) => Buffer.from(part, 'base64url').toString('hex'));

describe('gate properties', () => {
  it('never rejects and never allows an arbitrary Authorization value', async () => {
    const gate = testGate(issuer, defineActions({ read: { scopes: [] } }));
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ unit: 'binary' }),
          fc.string().map((s) => `Bearer ${s}`),
          fc.tuple(fc.base64String(), fc.base64String(), fc.base64String()).map((parts) => `Bearer ${parts.join('.')}`),
          fc.array(fc.string(), { maxLength: 3 }),
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

  it('never rejects and never allows arbitrary query and body values, with every method on', async () => {
    const gate = testGate(issuer, defineActions({ read: { scopes: [] } }), {
      tokenMethods: { body: true, query: true },
    });
    const value = fc.option(fc.oneof(fc.string(), fc.base64String(), fc.anything()), { nil: undefined });
    await fc.assert(
      fc.asyncProperty(
        fc.option(fc.string({ unit: 'binary' }), { nil: undefined }),
        value,
        value,
        fc.boolean(),
        fc.constantFrom('GET', 'POST'),
        async (authorization, queryAccessToken, bodyAccessToken, bodyIsForm, method) => {
          const facts: RequestFacts = {
            method,
            path: '/',
            authorization,
            queryAccessToken,
            bodyAccessToken,
            bodyIsForm,
          };
          const decision = await gate.decide('read', facts);
          expect(decision.allow).toBe(false);
          if (!decision.allow) expect([400, 401]).toContain(decision.status);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('never allows a valid token changed in one character, unless it decodes to the same bytes', async () => {
    const gate = testGate(issuer, defineActions({ read: { scopes: [] } }));
    const token = await issuer.mint();
    expect((await gate.decide('read', { method: 'GET', path: '/', authorization: `Bearer ${token}` })).allow).toBe(
      true,
    );
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: token.length - 1 }), fc.constantFrom(...B64URL, '.'), async (at, char) => {
        fc.pre(token[at] !== char);
        const changed = `${token.slice(0, at)}${char}${token.slice(at + 1)}`;
        const decision = await gate.decide('read', { method: 'GET', path: '/', authorization: `Bearer ${changed}` });
        // base64url's last character may carry unused bits: such a change leaves the bytes, and the signature, intact.
        if (decision.allow) expect(decoded(changed)).toEqual(decoded(token));
        else expect(decision.status).toBe(401);
      }),
      { numRuns: 400 },
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
