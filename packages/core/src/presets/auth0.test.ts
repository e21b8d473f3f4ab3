import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, gateFor, type LocalProvider, now, served, startProvider, without } from '../../test/providers.js';
import { defineActions } from '../actions/index.js';
import { ConfigurationError } from '../errors.js';
import { auth0 } from './auth0.js';

const actions = defineActions({ read: { scopes: ['read:invoices'] } });
const API = 'https://api.example.com';
let provider: LocalProvider;
beforeAll(async () => {
  provider = await startProvider();
});
afterAll(() => provider.close());

/** An access token as Auth0 issues it in the Auth0 profile (access_token_authz dialect). */
function auth0Payload(): Record<string, unknown> {
  return {
    iss: 'https://my-tenant.eu.auth0.com/',
    sub: 'auth0|123456',
    aud: [API, 'https://my-tenant.eu.auth0.com/userinfo'],
    azp: 'my_client_id',
    iat: now(),
    exp: now() + 600,
    scope: 'openid profile read:invoices',
    permissions: ['read:invoices', 'delete:invoices'],
  };
}

describe('auth0()', () => {
  it('names the tenant issuer with its trailing slash and its JWKS', () => {
    const options = auth0({ domain: 'my-tenant.eu.auth0.com', audience: API });
    expect(options.issuer).toBe('https://my-tenant.eu.auth0.com/');
    expect(options.jwksUri).toBe('https://my-tenant.eu.auth0.com/.well-known/jwks.json');
    expect(options.tokenTypes).toEqual(['JWT']);
    expect(options.clientIdClaim).toBe('azp');
  });

  it('allows an Auth0-profile token (typ JWT, aud array with /userinfo, azp, no jti) and reports azp as the client', async () => {
    const { gate, events } = gateFor(actions, [
      served(auth0({ domain: 'my-tenant.eu.auth0.com', audience: API }), provider),
    ]);
    const decision = await gate.decide('read', bearer(await provider.sign({ typ: 'JWT' }, auth0Payload())));
    expect(decision.allow).toBe(true);
    expect(events[0]).toMatchObject({ outcome: 'allow', clientId: 'my_client_id', sub: 'auth0|123456' });
    expect(events[0]?.jti).toBeUndefined();
  });

  it('reads scope by default: a permission the client did not ask for grants nothing', async () => {
    const { gate } = gateFor(defineActions({ remove: { scopes: ['delete:invoices'] } }), [
      served(auth0({ domain: 'my-tenant.eu.auth0.com', audience: API }), provider),
    ]);
    const refused = await gate.decide('remove', bearer(await provider.sign({ typ: 'JWT' }, auth0Payload())));
    expect(refused.allow === false && refused.status).toBe(403);
  });

  it("reads RBAC's permissions when told to", async () => {
    const { gate } = gateFor(defineActions({ remove: { scopes: ['delete:invoices'] } }), [
      served(auth0({ domain: 'my-tenant.eu.auth0.com', audience: API, scopesFrom: 'permissions' }), provider),
    ]);
    const token = await provider.sign({ typ: 'JWT' }, { ...auth0Payload(), scope: 'openid' });
    expect((await gate.decide('remove', bearer(token))).allow).toBe(true);
  });

  it('refuses a token without azp, naming the claim in the audit event only', async () => {
    const { gate, events } = gateFor(actions, [
      served(auth0({ domain: 'my-tenant.eu.auth0.com', audience: API }), provider),
    ]);
    const refused = await gate.decide(
      'read',
      bearer(await provider.sign({ typ: 'JWT' }, without(auth0Payload(), 'azp'))),
    );
    if (refused.allow) throw new Error('allowed');
    expect(refused.code).toBe('token_claims');
    expect(events[0]?.detail).toEqual({ claim: 'azp', problem: 'missing' });
    expect(JSON.stringify(refused.body)).not.toContain('azp');
    expect(refused.headers['www-authenticate']).not.toContain('azp');
  });

  it('refuses an Auth0 ID token (aud is the client id)', async () => {
    const { gate, events } = gateFor(actions, [
      served(auth0({ domain: 'my-tenant.eu.auth0.com', audience: API }), provider),
    ]);
    const idToken = { ...auth0Payload(), aud: 'my_client_id', nonce: 'n' };
    const refused = await gate.decide('read', bearer(await provider.sign({ typ: 'JWT' }, idToken)));
    expect(refused.allow === false && refused.code).toBe('token_audience');
    expect(events[0]?.detail).toMatchObject({
      claim: 'aud',
      problem: 'not_accepted',
      found: 'my_client_id',
      expected: [API],
    });
  });

  it('refuses at+jwt in the Auth0 profile and accepts it in the RFC 9068 profile', async () => {
    const rfc = { ...without(auth0Payload(), 'azp'), client_id: 'my_client_id', jti: '73WakrfVbNJBaAmhQtEeDv' };
    const token = await provider.sign({ typ: 'at+jwt' }, rfc);
    const plain = gateFor(actions, [served(auth0({ domain: 'my-tenant.eu.auth0.com', audience: API }), provider)]);
    expect((await plain.gate.decide('read', bearer(token))).allow).toBe(false);
    expect(plain.events[0]).toMatchObject({ code: 'token_type', detail: { claim: 'typ', found: 'at+jwt' } });
    const profile = gateFor(actions, [
      served(auth0({ domain: 'my-tenant.eu.auth0.com', audience: API, profile: 'rfc9068' }), provider),
    ]);
    expect((await profile.gate.decide('read', bearer(token))).allow).toBe(true);
    expect(profile.events[0]).toMatchObject({ clientId: 'my_client_id', jti: '73WakrfVbNJBaAmhQtEeDv' });
  });

  it('points out an issuer configured without the trailing slash', async () => {
    const options = {
      ...served(auth0({ domain: 'my-tenant.eu.auth0.com', audience: API }), provider),
      issuer: 'https://my-tenant.eu.auth0.com',
    };
    const { gate, events } = gateFor(actions, [options]);
    const refused = await gate.decide('read', bearer(await provider.sign({ typ: 'JWT' }, auth0Payload())));
    expect(refused.allow === false && refused.code).toBe('token_issuer');
    expect(events[0]?.detail).toMatchObject({
      claim: 'iss',
      problem: 'not_accepted',
      found: 'https://my-tenant.eu.auth0.com/',
      expected: ['https://my-tenant.eu.auth0.com'],
    });
    expect(events[0]?.detail?.hint).toContain('trailing slash');
    expect(events[0]?.detail?.hint).toContain('configure "https://my-tenant.eu.auth0.com/"');
  });

  it.each([
    ['domain', { domain: 'https://my-tenant.auth0.com', audience: API }, 'without https://'],
    ['domain', { domain: 'my-tenant.auth0.com/x', audience: API }, 'host name'],
    ['audience', { domain: 'my-tenant.auth0.com', audience: [] }, 'API identifier'],
    ['profile', { domain: 'my-tenant.auth0.com', audience: API, profile: 'v2' }, 'one of'],
    ['scopesFrom', { domain: 'my-tenant.auth0.com', audience: API, scopesFrom: 'roles' }, 'one of'],
  ])('refuses a bad %s at start-up', (option, given, text) => {
    let error: unknown;
    try {
      auth0(given as never);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).option).toBe(`auth0().${option}`);
    expect((error as Error).message).toContain(text);
  });
});
