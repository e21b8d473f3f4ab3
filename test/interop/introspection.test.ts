/**
 * Opaque tokens against a real oidc-provider: it issues opaque access tokens (client credentials,
 * RFC 8707 resource indicator), serves RFC 7662 introspection to a registered resource-server
 * client (client_secret_basic) and RFC 9701 signed responses, and revokes tokens (RFC 7009).
 * The client side is oauth4webapi. The gate's clock runs ahead of the real one on demand, so a
 * cache lifetime passes without waiting for it; the authorization server keeps real time.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGate, type Decision, defineActions, type IssuerOptions } from '@actiongate/core';
import { exportJWK, generateKeyPair } from 'jose';
import * as oauth from 'oauth4webapi';
import Provider from 'oidc-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const RESOURCE = 'https://api.example.com';
const RS = { id: 'invoices-rs', secret: randomBytes(24).toString('base64url') };
const APP = { id: 'app', secret: randomBytes(24).toString('base64url') };
const insecure = { [oauth.allowInsecureRequests]: true };
const actions = defineActions({
  read: { scopes: ['invoices:read'] },
  refund: { scopes: ['payments:refund'] },
});

let server: Server;
let issuer: string;
let metadata: oauth.AuthorizationServer;

beforeAll(async () => {
  server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const provider = new Provider(issuer, {
    jwks: { keys: [{ ...(await exportJWK(privateKey)), kid: 'as-1', alg: 'RS256', use: 'sig' }] as never },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    clients: [
      {
        client_id: APP.id,
        client_secret: APP.secret,
        grant_types: ['client_credentials'],
        redirect_uris: [],
        response_types: [],
        scope: 'invoices:read payments:refund',
      },
      {
        // The resource server: it only introspects, and may ask for signed responses.
        client_id: RS.id,
        client_secret: RS.secret,
        grant_types: [],
        redirect_uris: [],
        response_types: [],
        token_endpoint_auth_method: 'client_secret_basic',
        introspection_signed_response_alg: 'RS256',
      },
    ],
    scopes: ['invoices:read', 'payments:refund'],
    ttl: { ClientCredentials: 300 },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      // Only the resource server may introspect.
      introspection: { enabled: true, allowedPolicy: async (ctx) => ctx.oidc.client?.clientId === RS.id },
      jwtIntrospection: { enabled: true },
      revocation: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => RESOURCE,
        getResourceServerInfo: (_ctx, resource) => ({
          scope: 'invoices:read payments:refund',
          audience: resource,
          accessTokenFormat: 'opaque',
          accessTokenTTL: 300,
        }),
      },
    },
  });
  server.on('request', provider.callback());
  const url = new URL(issuer);
  metadata = await oauth.processDiscoveryResponse(url, await oauth.discoveryRequest(url, insecure));
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const client = { client_id: APP.id };
const clientAuth = () => oauth.ClientSecretBasic(APP.secret);

async function opaqueToken(scope: string): Promise<string> {
  const response = await oauth.clientCredentialsGrantRequest(
    metadata,
    client,
    clientAuth(),
    { scope, resource: RESOURCE },
    insecure,
  );
  return (await oauth.processClientCredentialsResponse(metadata, client, response)).access_token;
}

async function revoke(token: string): Promise<void> {
  const response = await oauth.revocationRequest(metadata, client, clientAuth(), token, insecure);
  await oauth.processRevocationResponse(response);
}

function gateWith(introspection: Partial<NonNullable<IssuerOptions['introspection']>> = {}) {
  let offset = 0;
  const gate = createGate({
    actions,
    resource: RESOURCE,
    now: () => Date.now() + offset,
    issuers: [
      {
        issuer,
        jwksUri: `${issuer}/jwks`,
        introspection: {
          url: metadata.introspection_endpoint as string,
          clientId: RS.id,
          clientSecret: RS.secret,
          ...introspection,
        },
      },
    ],
  });
  return {
    gate,
    advance(ms: number) {
      offset += ms;
    },
  };
}

const request = (token: string) => ({ method: 'GET', path: '/invoices', authorization: `Bearer ${token}` });
const outcome = (decision: Decision) => (decision.allow ? 'allow' : decision.code);

describe('opaque tokens from oidc-provider, introspected', () => {
  it('the token is opaque, and an active one is allowed with its scopes; jti stays missing', async () => {
    const token = await opaqueToken('invoices:read');
    expect(token.split('.')).toHaveLength(1);
    const { gate } = gateWith();
    const decision = await gate.decide('read', request(token));
    if (!decision.allow) throw new Error(`refused: ${decision.code}`);
    expect(decision.auth.issuer).toBe(issuer);
    expect(decision.auth.claims.iss).toBe(issuer);
    expect(decision.auth.claims.aud).toBe(RESOURCE);
    expect(decision.auth.claims.client_id).toBe(APP.id);
    expect(decision.auth.claims.jti).toBeUndefined();
    expect([...decision.auth.scopes]).toEqual(['invoices:read']);
    expect(outcome(await gate.decide('refund', request(token)))).toBe('scope_missing');
  });

  it('client_secret_post works as well', async () => {
    const { gate } = gateWith({ clientAuth: 'client_secret_post' });
    expect(outcome(await gate.decide('read', request(await opaqueToken('invoices:read'))))).toBe('allow');
  });

  it('a token the server never issued is inactive: 401 invalid_token', async () => {
    const { gate } = gateWith();
    const decision = await gate.decide('read', request('not-a-token-the-server-issued'));
    expect(outcome(decision)).toBe('token_inactive');
    if (!decision.allow) expect(decision.headers['www-authenticate']).toContain('error="invalid_token"');
  });

  it('wrong resource-server credentials: the server refuses to answer, so 503, never an allow', async () => {
    const { gate } = gateWith({ clientSecret: 'wrong' });
    const decision = await gate.decide('read', request(await opaqueToken('invoices:read')));
    expect(outcome(decision)).toBe('introspection_unavailable');
  });

  it('RFC 7009: a token revoked at the server is served from the cache until cacheTtl, then refused', async () => {
    const token = await opaqueToken('invoices:read');
    const { gate, advance } = gateWith({ cacheTtl: 20 });
    expect(outcome(await gate.decide('read', request(token)))).toBe('allow');
    await revoke(token);
    advance(19_000);
    expect(outcome(await gate.decide('read', request(token)))).toBe('allow'); // the cached answer
    advance(1_000);
    expect(outcome(await gate.decide('read', request(token)))).toBe('token_inactive');
  });

  it('RFC 9701: a signed introspection response, verified with the server keys', async () => {
    const { gate } = gateWith({ accept: 'application/token-introspection+jwt' });
    const decision = await gate.decide('read', request(await opaqueToken('invoices:read payments:refund')));
    if (!decision.allow) throw new Error(`refused: ${decision.code}`);
    expect([...decision.auth.scopes].sort()).toEqual(['invoices:read', 'payments:refund']);
    expect(outcome(await gate.decide('read', request('never-issued')))).toBe('token_inactive');
  });
});
