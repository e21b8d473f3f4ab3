import { beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestIssuer, type TestIssuer, testGate } from '../../test/tokens.js';
import { defineActions } from '../actions/index.js';

const NOW = 1_800_000_000_000;
const actions = defineActions({ delete: { scopes: ['invoices:write', 'invoices:delete'], maxTokenAge: 300 } });
const scope = 'invoices:write invoices:delete';
let issuer: TestIssuer;

beforeAll(async () => {
  issuer = await createTestIssuer(() => NOW);
});

describe('freshness (maxTokenAge)', () => {
  const gate = () => testGate(issuer, actions, { now: () => NOW });
  const iatAgo = (seconds: number) => issuer.mint({ scope, iat: NOW / 1000 - seconds });

  it('allows a token exactly at the limit', async () => {
    expect((await gate().decide('delete', bearer(await iatAgo(300)))).allow).toBe(true);
  });

  it('refuses a token one second over with 403 and the complete scope', async () => {
    const decision = await gate().decide('delete', bearer(await iatAgo(301)));
    expect(decision.allow).toBe(false);
    if (decision.allow) return;
    expect(decision.status).toBe(403);
    expect(decision.code).toBe('token_not_fresh');
    expect(decision.headers['www-authenticate']).toBe(
      `Bearer realm="test", error="insufficient_scope", scope="${scope}", resource_metadata="https://api.test/.well-known/oauth-protected-resource", error_description="The access token is too old for this action; a fresh token is needed"`,
    );
  });

  it('ignores the clock tolerance: the window is exact', async () => {
    const decision = await gate().decide('delete', bearer(await iatAgo(330)));
    expect(decision.allow).toBe(false);
  });

  it('names the scopes first when both scopes and freshness fall short', async () => {
    const token = await issuer.mint({ scope: 'invoices:write', iat: NOW / 1000 - 1000 });
    const decision = await gate().decide('delete', bearer(token));
    expect(decision.allow ? undefined : decision.code).toBe('scope_missing');
  });

  it('refuses a token without iat when freshness is required', async () => {
    const gateWithoutIat = testGate(issuer, actions, {
      now: () => NOW,
      requiredClaims: ['iss', 'exp', 'aud', 'sub', 'client_id', 'jti'],
    });
    const decision = await gateWithoutIat.decide('delete', bearer(await issuer.mint({ scope, iat: undefined })));
    expect(decision.allow ? undefined : decision.code).toBe('token_not_fresh');
  });

  it('refuses a negative maxTokenAge at declaration', () => {
    expect(() => defineActions({ a: { scopes: [], maxTokenAge: -1 } })).toThrow(/actions\.a\.maxTokenAge/);
  });
});
