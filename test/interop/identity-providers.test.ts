/**
 * The rfc9068() preset against a real oidc-provider (the example authorization server),
 * tokens obtained with oauth4webapi, beside an Auth0-shaped issuer in the same gate.
 */

import { auth0, createGate, type DecisionEvent, defineActions, rfc9068 } from '@actiongate/core';
import { startAuthorizationServer } from '@actiongate-examples/authorization-server';
import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalProvider, now, served, startProvider } from '../../packages/core/test/providers.js';

const RESOURCE = 'https://api.example.com';
const actions = defineActions({ read: { scopes: ['invoices:read'] }, write: { scopes: ['invoices:write'] } });
const insecure = { [oauth.allowInsecureRequests]: true };
let as: Awaited<ReturnType<typeof startAuthorizationServer>>;
let auth0Keys: LocalProvider;

beforeAll(async () => {
  as = await startAuthorizationServer({ resources: { [RESOURCE]: ['invoices:read', 'invoices:write'] } });
  auth0Keys = await startProvider();
});
afterAll(async () => {
  await as.close();
  await auth0Keys.close();
});

async function oidcProviderToken(scope: string): Promise<string> {
  const issuer = new URL(as.issuer);
  const metadata = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, insecure));
  const client = { client_id: as.clientId };
  const response = await oauth.clientCredentialsGrantRequest(
    metadata,
    client,
    oauth.ClientSecretPost(as.clientSecret),
    { scope, resource: RESOURCE },
    insecure,
  );
  return (await oauth.processClientCredentialsResponse(metadata, client, response)).access_token;
}

function gate() {
  const events: DecisionEvent[] = [];
  const g = createGate({
    actions,
    resource: RESOURCE,
    issuers: [
      rfc9068({ issuer: as.issuer }),
      served(auth0({ domain: 'acme.eu.auth0.com', audience: RESOURCE }), auth0Keys),
    ],
    onDecision: (event) => {
      events.push(event);
    },
  });
  return { gate: g, events };
}

const bearer = (token: string) => ({ method: 'GET', path: '/invoices', authorization: `Bearer ${token}` });

describe('rfc9068() with a real oidc-provider, beside auth0()', () => {
  it("finds oidc-provider's keys at {issuer}/jwks", () => {
    expect(rfc9068({ issuer: as.issuer }).jwksUri).toBe(as.jwksUri);
  });

  it('allows its at+jwt token for a scope it holds and refuses another', async () => {
    const { gate: g, events } = gate();
    const token = await oidcProviderToken('invoices:read');
    expect(JSON.parse(Buffer.from(token.split('.')[0] as string, 'base64url').toString()).typ).toBe('at+jwt');
    expect((await g.decide('read', bearer(token))).allow).toBe(true);
    expect(events[0]).toMatchObject({ issuer: as.issuer, clientId: as.clientId });
    const refused = await g.decide('write', bearer(token));
    expect(refused.allow === false && refused.status).toBe(403);
  });

  it('allows the Auth0-shaped token in the same gate, and keeps typ JWT away from oidc-provider', async () => {
    const { gate: g, events } = gate();
    const auth0Token = await auth0Keys.sign(
      { typ: 'JWT' },
      {
        iss: 'https://acme.eu.auth0.com/',
        sub: 'auth0|1',
        aud: [RESOURCE, 'https://acme.eu.auth0.com/userinfo'],
        azp: 'spa',
        iat: now(),
        exp: now() + 600,
        scope: 'invoices:read',
      },
    );
    expect((await g.decide('read', bearer(auth0Token))).allow).toBe(true);
    // oidc-provider's own token, re-labelled typ JWT, is not accepted for its issuer.
    const [, payload, signature] = (await oidcProviderToken('invoices:read')).split('.');
    const header = Buffer.from(JSON.stringify({ alg: 'RS256', typ: 'JWT' })).toString('base64url');
    const relabelled = await g.decide('read', bearer(`${header}.${payload}.${signature}`));
    expect(relabelled.allow === false && relabelled.code).toBe('token_type');
    expect(events[1]?.detail).toMatchObject({ claim: 'typ', found: 'JWT', expected: ['application/at+jwt'] });
  });
});
