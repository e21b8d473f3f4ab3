/**
 * RFC 7009 revocation and RFC 7662 introspection of the JWT access tokens the demo server issues
 * (oidc-provider 8 stores none by itself: see issued-jwts.ts), through oauth4webapi as a client
 * and as a resource server would call them. Hostile cases first: a resource server asking about
 * another resource's token, a client revoking another client's token, a forged JWT.
 */
import { decodeJwt, generateKeyPair, SignJWT } from 'jose';
import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuthorizationServer, startAuthorizationServer } from './index.js';

const insecure = { [oauth.allowInsecureRequests]: true };
const INVOICES = 'https://invoices.example';
const OTHER = 'https://other.example';
const api = { clientId: 'invoice-api', clientSecret: 'api-secret', resource: INVOICES };
const otherApi = { clientId: 'other-api', clientSecret: 'other-secret', resource: OTHER };
const service = { clientId: 'reporting', clientSecret: 'reporting-secret', scopes: ['invoices:read'] };

let as: AuthorizationServer;
let metadata: oauth.AuthorizationServer;

beforeAll(async () => {
  as = await startAuthorizationServer({
    resources: { [INVOICES]: ['invoices:read'], [OTHER]: ['other:read'] },
    resourceServers: [api, otherApi],
    serviceClients: [service],
  });
  const issuer = new URL(as.issuer);
  metadata = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, insecure));
});
afterAll(() => as.close());

async function baselineToken(clientId = as.clientId, clientSecret = as.clientSecret): Promise<string> {
  const client = { client_id: clientId };
  const response = await oauth.clientCredentialsGrantRequest(
    metadata,
    client,
    oauth.ClientSecretPost(clientSecret),
    { scope: 'invoices:read', resource: INVOICES },
    insecure,
  );
  return (await oauth.processClientCredentialsResponse(metadata, client, response)).access_token;
}

async function introspect(token: string, as_: { clientId: string; clientSecret: string } = api) {
  const client = { client_id: as_.clientId };
  const response = await oauth.introspectionRequest(
    metadata,
    client,
    oauth.ClientSecretBasic(as_.clientSecret),
    token,
    insecure,
  );
  return oauth.processIntrospectionResponse(metadata, client, response);
}

async function revoke(token: string, clientId = as.clientId, clientSecret = as.clientSecret): Promise<Response> {
  return oauth.revocationRequest(
    metadata,
    { client_id: clientId },
    oauth.ClientSecretPost(clientSecret),
    token,
    insecure,
  );
}

describe('introspection and revocation of issued JWT access tokens', () => {
  it('a resource server learns nothing of a token for another resource', async () => {
    const token = await baselineToken();
    expect((await introspect(token, otherApi)).active).toBe(false);
  });

  it('a JWT signed by another key with a real jti is not found', async () => {
    const token = await baselineToken();
    const { jti } = decodeJwt(token);
    const { privateKey } = await generateKeyPair('RS256');
    const forged = await new SignJWT({ jti, aud: INVOICES, client_id: as.clientId })
      .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt' })
      .setIssuer(as.issuer)
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(privateKey);
    expect((await introspect(forged)).active).toBe(false);
  });

  it("a client cannot revoke another client's token", async () => {
    const token = await baselineToken();
    const response = await revoke(token, service.clientId, service.clientSecret);
    await expect(oauth.processRevocationResponse(response)).rejects.toMatchObject({ error: 'invalid_request' });
    expect((await introspect(token)).active).toBe(true);
  });

  it('the resource server sees an active token with its claims, then inactive once its client revoked it', async () => {
    const token = await baselineToken();
    const claims = decodeJwt(token);
    const active = await introspect(token);
    expect(active).toMatchObject({
      active: true,
      client_id: as.clientId,
      scope: 'invoices:read',
      exp: claims.exp,
      jti: claims.jti,
      iss: as.issuer,
    });
    await oauth.processRevocationResponse(await revoke(token));
    expect((await introspect(token)).active).toBe(false);
    // Another token of the same client is untouched.
    expect((await introspect(await baselineToken())).active).toBe(true);
  });
});
