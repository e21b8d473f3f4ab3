import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bearer,
  configurationError,
  gateFor,
  type LocalProvider,
  now,
  served,
  startProvider,
  without,
} from '../../test/providers.js';
import { defineActions } from '../actions/index.js';
import { keycloak } from './keycloak.js';

const ISSUER = 'https://sso.example.com/realms/acme';
const actions = defineActions({ read: { scopes: ['invoices:read'] }, admin: { scopes: ['invoice-admin'] } });
let provider: LocalProvider;
beforeAll(async () => {
  provider = await startProvider();
});
afterAll(() => provider.close());

/** An access token as Keycloak issues it: header typ JWT, payload typ Bearer, azp, realm roles. */
function keycloakPayload(): Record<string, unknown> {
  return {
    exp: now() + 300,
    iat: now(),
    jti: 'd58f5dc8-fd8f-462b-8a19-716f8f83985b',
    iss: ISSUER,
    aud: ['invoices-api', 'account'],
    sub: '36fa0f91-f94d-4a0c-afed-6b7d952e47da',
    typ: 'Bearer',
    azp: 'invoice-app',
    sid: '2a88c258-f73a-4103-b862-e1fbd8f4e04e',
    acr: '1',
    'allowed-origins': ['https://app.example.com'],
    realm_access: { roles: ['offline_access', 'invoice-admin', 'uma_authorization'] },
    resource_access: { account: { roles: ['manage-account', 'view-profile'] } },
    scope: 'openid email profile invoices:read',
    email_verified: true,
    preferred_username: 'jane',
  };
}

const preset = (extra = {}) =>
  keycloak({ url: 'https://sso.example.com', realm: 'acme', audience: 'invoices-api', ...extra });

describe('keycloak()', () => {
  it('names the realm issuer and its certs endpoint, keeping a context path', () => {
    expect(preset()).toMatchObject({ issuer: ISSUER, jwksUri: `${ISSUER}/protocol/openid-connect/certs` });
    expect(keycloak({ url: 'https://sso.example.com/auth/', realm: 'acme' }).issuer).toBe(
      'https://sso.example.com/auth/realms/acme',
    );
  });

  it('allows an access token of Keycloak shape and reports azp as the client', async () => {
    const { gate, events } = gateFor(actions, [served(preset(), provider)]);
    expect((await gate.decide('read', bearer(await provider.sign({ typ: 'JWT' }, keycloakPayload())))).allow).toBe(
      true,
    );
    expect(events[0]).toMatchObject({ clientId: 'invoice-app', jti: keycloakPayload().jti });
  });

  it('reads realm roles when told to', async () => {
    const roles = gateFor(actions, [served(preset({ scopesFrom: 'realm_roles' }), provider)]);
    const token = await provider.sign({ typ: 'JWT' }, keycloakPayload());
    expect((await roles.gate.decide('admin', bearer(token))).allow).toBe(true);
    const scopes = gateFor(actions, [served(preset(), provider)]);
    expect((await scopes.gate.decide('admin', bearer(token))).allow).toBe(false);
    const bad = await provider.sign({ typ: 'JWT' }, { ...keycloakPayload(), realm_access: { roles: 'invoice-admin' } });
    const refused = await roles.gate.decide('admin', bearer(bad));
    expect(refused.allow === false && refused.code).toBe('token_claims');
    expect(roles.events[1]?.detail).toMatchObject({ claim: '(scope reader)', problem: 'wrong_type' });
  });

  it('refuses an ID token and a refresh token by their payload typ', async () => {
    const { gate, events } = gateFor(actions, [served(preset(), provider)]);
    for (const typ of ['ID', 'Refresh']) {
      const refused = await gate.decide(
        'read',
        bearer(await provider.sign({ typ: 'JWT' }, { ...keycloakPayload(), typ })),
      );
      expect(refused.allow === false && refused.code).toBe('token_claims');
    }
    expect(events.map((event) => event.detail)).toEqual([
      { claim: 'typ', problem: 'not_accepted', found: 'ID', expected: ['Bearer'] },
      { claim: 'typ', problem: 'not_accepted', found: 'Refresh', expected: ['Bearer'] },
    ]);
  });

  it('refuses a token without azp, and one whose aud is only account', async () => {
    const { gate, events } = gateFor(actions, [served(preset(), provider)]);
    const noAzp = await gate.decide(
      'read',
      bearer(await provider.sign({ typ: 'JWT' }, without(keycloakPayload(), 'azp'))),
    );
    expect(noAzp.allow === false && noAzp.code).toBe('token_claims');
    expect(events[0]?.detail).toEqual({ claim: 'azp', problem: 'missing' });
    const account = await gate.decide(
      'read',
      bearer(await provider.sign({ typ: 'JWT' }, { ...keycloakPayload(), aud: 'account' })),
    );
    expect(account.allow === false && account.code).toBe('token_audience');
    expect(events[1]?.detail).toMatchObject({ claim: 'aud', found: 'account', expected: ['invoices-api'] });
  });

  it.each([
    ['url', { url: 'sso.example.com', realm: 'acme' }],
    ['url', { url: 'http://sso.example.com', realm: 'acme' }],
    ['realm', { url: 'https://sso.example.com', realm: 'a/b' }],
    ['scopesFrom', { url: 'https://sso.example.com', realm: 'acme', scopesFrom: 'client_roles' }],
  ])('refuses a bad %s at start-up', (option, given) => {
    expect(configurationError(() => keycloak(given as never)).option).toBe(`keycloak().${option}`);
  });
});
