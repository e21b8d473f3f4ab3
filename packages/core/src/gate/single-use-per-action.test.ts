import { beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestIssuer, type TestIssuer, testGate } from '../../test/tokens.js';
import { defineActions } from '../actions/index.js';
import { ConfigurationError } from '../errors.js';

const actions = defineActions({
  refund: { scopes: ['payments:refund'], singleUse: 'per-action' },
  void: { scopes: ['payments:refund'], singleUse: 'per-action' },
  read: { scopes: ['payments:refund'] },
});
let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await createTestIssuer();
});
const mint = (claims = {}) => issuer.mint({ scope: 'payments:refund', ...claims });

describe("single use 'per-action'", () => {
  it('answers a second use of the same grant with 403 insufficient_scope naming the scope', async () => {
    const gate = testGate(issuer, actions);
    const token = await mint();
    expect((await gate.decide('refund', bearer(token))).allow).toBe(true);
    const replay = await gate.decide('refund', bearer(token));
    if (replay.allow) throw new Error('a spent grant was allowed');
    expect(replay.status).toBe(403);
    expect(replay.code).toBe('grant_spent');
    expect(replay.headers['www-authenticate']).toBe(
      'Bearer realm="test", error="insufficient_scope", scope="payments:refund", resource_metadata="https://api.test/.well-known/oauth-protected-resource", error_description="The access token was already used for this action; a new grant is needed"',
    );
  });

  it('keeps the token working for other actions, each with a grant of its own', async () => {
    const gate = testGate(issuer, actions);
    const token = await mint();
    expect((await gate.decide('refund', bearer(token))).allow).toBe(true);
    expect((await gate.decide('read', bearer(token))).allow).toBe(true);
    expect((await gate.decide('void', bearer(token))).allow).toBe(true);
    expect((await gate.decide('void', bearer(token))).allow).toBe(false);
    expect((await gate.decide('read', bearer(token))).allow).toBe(true);
  });

  it('does not let a jti that spells another key collide with it', async () => {
    const gate = testGate(issuer, actions);
    expect((await gate.decide('refund', bearer(await mint({ jti: 'a' })))).allow).toBe(true);
    expect((await gate.decide('refund', bearer(await mint({ jti: 'a","refund' })))).allow).toBe(true);
  });

  it('refuses a token without jti as invalid', async () => {
    const gate = testGate(issuer, actions);
    const decision = await gate.decide('refund', bearer(await mint({ jti: undefined })));
    expect(decision.allow ? undefined : decision.code).toBe('token_claims');
  });

  it('rejects an unknown singleUse value at start-up', () => {
    expect(() => defineActions({ a: { scopes: [], singleUse: 'per-request' as never } })).toThrow(ConfigurationError);
  });
});

describe('gate.renderRefusal', () => {
  it("renders any refusal with the gate's realm and resource_metadata", () => {
    const gate = testGate(issuer, actions);
    const refusal = gate.renderRefusal('token_missing', { scope: ['invoices:read'] });
    expect(refusal.status).toBe(401);
    expect(refusal.headers['www-authenticate']).toBe(
      'Bearer realm="test", scope="invoices:read", resource_metadata="https://api.test/.well-known/oauth-protected-resource"',
    );
    expect(Object.isFrozen(refusal)).toBe(true);
  });
});
