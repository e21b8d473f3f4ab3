/**
 * One gate trusting two providers keeps each one's rules apart: the `typ` one accepts is not
 * accepted for the other, nor its client-id claim, scope source or audience.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, gateFor, type LocalProvider, now, served, startProvider } from '../../test/providers.js';
import { defineActions } from '../actions/index.js';
import { auth0 } from './auth0.js';
import { cognito } from './cognito.js';
import { okta } from './okta.js';

const API = 'https://api.example.com';
const AUTH0 = 'https://acme.eu.auth0.com/';
const COGNITO = 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123';
const actions = defineActions({ read: { scopes: ['invoices:read'] } });
let auth0Keys: LocalProvider;
let cognitoKeys: LocalProvider;
beforeAll(async () => {
  auth0Keys = await startProvider('auth0-key');
  cognitoKeys = await startProvider('cognito-key');
});
afterAll(async () => {
  await auth0Keys.close();
  await cognitoKeys.close();
});

const auth0Token = () => ({
  iss: AUTH0,
  sub: 'auth0|1',
  aud: [API, `${AUTH0}userinfo`],
  azp: 'spa-client',
  iat: now(),
  exp: now() + 600,
  scope: 'invoices:read',
});
const cognitoToken = () => ({
  sub: 'c-1',
  iss: COGNITO,
  client_id: 'app-client',
  token_use: 'access',
  scope: 'invoices:read',
  iat: now(),
  exp: now() + 600,
  jti: 'j-1',
});

function mixedGate() {
  return gateFor(actions, [
    served(auth0({ domain: 'acme.eu.auth0.com', audience: API }), auth0Keys),
    served(cognito({ region: 'eu-west-1', userPoolId: 'eu-west-1_AbCdEf123', clientIds: ['app-client'] }), cognitoKeys),
  ]);
}

describe('a gate trusting Auth0 and Cognito', () => {
  it("allows each provider's own token shape", async () => {
    const { gate, events } = mixedGate();
    expect((await gate.decide('read', bearer(await auth0Keys.sign({ typ: 'JWT' }, auth0Token())))).allow).toBe(true);
    expect((await gate.decide('read', bearer(await cognitoKeys.sign({}, cognitoToken())))).allow).toBe(true);
    expect(events.map((event) => [event.issuer, event.clientId])).toEqual([
      [AUTH0, 'spa-client'],
      [COGNITO, 'app-client'],
    ]);
  });

  it("does not accept one provider's typ for the other", async () => {
    const { gate, events } = mixedGate();
    const untypedAuth0 = await gate.decide('read', bearer(await auth0Keys.sign({}, auth0Token())));
    expect(untypedAuth0.allow === false && untypedAuth0.code).toBe('token_type');
    expect(events[0]?.detail).toMatchObject({ claim: 'typ', problem: 'missing', expected: ['application/jwt'] });
    const typedCognito = await gate.decide('read', bearer(await cognitoKeys.sign({ typ: 'JWT' }, cognitoToken())));
    expect(typedCognito.allow === false && typedCognito.code).toBe('token_type');
    expect(events[1]?.detail).toMatchObject({ claim: 'typ', found: 'JWT', expected: ['(none)'] });
  });

  it("does not accept one provider's audience or client claim for the other", async () => {
    const { gate, events } = mixedGate();
    // Cognito's issuer with Auth0's audience and client claim: Cognito's rules still apply.
    const hybrid = { ...auth0Token(), iss: COGNITO, token_use: 'access', jti: 'j-2' };
    const refused = await gate.decide('read', bearer(await cognitoKeys.sign({}, hybrid)));
    expect(refused.allow === false && refused.code).toBe('token_claims');
    expect(events[0]?.detail).toEqual({ claim: 'client_id', problem: 'missing' });
  });

  it("refuses a token signed by one provider's key that names the other", async () => {
    const { gate } = mixedGate();
    const forged = await auth0Keys.sign({}, cognitoToken());
    const refused = await gate.decide('read', bearer(forged));
    expect(refused.allow === false && refused.code).toBe('token_key_unknown');
  });

  it('names the untrusted issuer and the trusted ones, with a trailing-slash hint', async () => {
    const { gate, events } = mixedGate();
    const slashless = { ...auth0Token(), iss: 'https://acme.eu.auth0.com' };
    const refused = await gate.decide('read', bearer(await auth0Keys.sign({ typ: 'JWT' }, slashless)));
    expect(refused.allow === false && refused.code).toBe('token_issuer');
    expect(events[0]?.detail).toMatchObject({
      claim: 'iss',
      problem: 'not_accepted',
      found: 'https://acme.eu.auth0.com',
      expected: [AUTH0, COGNITO],
    });
    expect(events[0]?.detail?.hint).toContain(`configure "https://acme.eu.auth0.com"`);
  });

  it('keeps Okta scp and Auth0 permissions apart', async () => {
    const oktaKeys = await startProvider('okta-key');
    try {
      const { gate } = gateFor(actions, [
        served(auth0({ domain: 'acme.eu.auth0.com', audience: API }), auth0Keys),
        served(okta({ domain: 'acme.okta.com', audience: API }), oktaKeys),
      ]);
      // An Auth0 token with scopes only in scp holds none: Auth0's source is scope.
      const auth0Scp = { ...auth0Token(), scope: undefined, scp: ['invoices:read'] };
      const refused = await gate.decide('read', bearer(await auth0Keys.sign({ typ: 'JWT' }, auth0Scp)));
      expect(refused.allow === false && refused.status).toBe(403);
      const oktaToken = {
        ver: 1,
        jti: 'AT.x',
        iss: 'https://acme.okta.com/oauth2/default',
        aud: API,
        sub: 'u',
        iat: now(),
        exp: now() + 600,
        cid: 'c',
        scp: ['invoices:read'],
      };
      expect((await gate.decide('read', bearer(await oktaKeys.sign({}, oktaToken)))).allow).toBe(true);
    } finally {
      await oktaKeys.close();
    }
  });
});
