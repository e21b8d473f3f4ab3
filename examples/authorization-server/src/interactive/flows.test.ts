/**
 * The interactive server as an MCP client sees it, with oauth4webapi as the client and the
 * user agent playing alice through the real pages: discovery, registration, the code flow,
 * step-up with the second factor, refresh rules, denial.
 */
import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createUserAgent,
  type InteractiveAuthorizationServer,
  MFA,
  startInteractiveAuthorizationServer,
} from './index.js';
import {
  ALICE,
  authorizationUrl,
  discover,
  exchange,
  obtain,
  RESOURCE,
  type Registered,
  refresh,
  register,
  SCOPES,
  verifyAccessToken,
} from './test-client.js';

const epoch = () => Math.floor(Date.now() / 1000);

async function setUp(refreshTokens?: 'offline_access' | 'always') {
  const server = await startInteractiveAuthorizationServer({ resource: RESOURCE, scopes: SCOPES, refreshTokens });
  const as = await discover(server.issuer);
  return { server, as, registered: { as, ...(await register(as)) } as Registered };
}

describe('default configuration', () => {
  let server: InteractiveAuthorizationServer;
  let registered: Registered;
  beforeAll(async () => {
    ({ server, registered } = await setUp());
  });
  afterAll(() => server.close());

  it('serves RFC 8414 metadata at the OAuth address and the OpenID Connect address alike', async () => {
    const oauthMetadata = await discover(server.issuer, 'oauth2');
    const oidcMetadata = await discover(server.issuer, 'oidc');
    expect(oidcMetadata).toEqual(oauthMetadata);
    expect(oauthMetadata.issuer).toBe(server.issuer);
    expect(oauthMetadata.scopes_supported).toEqual([...SCOPES, 'offline_access']);
    expect(oauthMetadata.code_challenge_methods_supported).toEqual(['S256']);
    expect(oauthMetadata.response_types_supported).toEqual(['code']);
    expect(oauthMetadata.registration_endpoint).toBe(`${server.issuer}/reg`);
    expect(oauthMetadata.jwks_uri).toBe(server.jwksUri);
    expect(oauthMetadata.token_endpoint_auth_methods_supported).toEqual(
      expect.arrayContaining(['none', 'client_secret_post', 'client_secret_basic']),
    );
  });

  it('registers a public client with what an MCP SDK sends, and widens its scope to all the resource offers', () => {
    expect(registered.client.client_id).toEqual(expect.any(String));
    expect(registered.client.client_secret).toBeUndefined();
    expect(registered.client.token_endpoint_auth_method).toBe('none');
    expect(String(registered.client.scope).split(' ').sort()).toEqual([...SCOPES, 'offline_access'].sort());
  });

  it('issues alice an RFC 9068 access token for the resource, with no acr, and no refresh token without offline_access', async () => {
    const before = epoch();
    const tokens = await obtain(registered, 'invoices:read');
    expect(tokens.token_type.toLowerCase()).toBe('bearer');
    expect(tokens.refresh_token).toBeUndefined();
    expect(tokens.scope).toBe('invoices:read');
    const { payload, protectedHeader } = await verifyAccessToken(tokens.access_token, server.issuer, server.jwksUri);
    expect(protectedHeader).toMatchObject({ typ: 'at+jwt', alg: 'RS256' });
    expect(payload).toMatchObject({
      aud: RESOURCE,
      scope: 'invoices:read',
      sub: 'alice',
      client_id: registered.client.client_id,
    });
    expect(payload.jti).toEqual(expect.any(String));
    expect(payload.iat).toBeGreaterThanOrEqual(before);
    expect((payload.exp as number) - (payload.iat as number)).toBe(3600);
    expect(payload.acr).toBeUndefined();
    expect(payload.auth_time).toBeUndefined();
  });

  it('grants payments:refund after the second factor: acr mfa, a fresh auth_time, a short life', async () => {
    const before = epoch();
    const tokens = await obtain(registered, 'invoices:read payments:refund');
    const { payload } = await verifyAccessToken(tokens.access_token, server.issuer, server.jwksUri);
    expect(payload.scope).toBe('invoices:read payments:refund');
    expect(payload.acr).toBe(MFA);
    expect(payload.auth_time).toBeGreaterThanOrEqual(before);
    expect(payload.auth_time).toBeLessThanOrEqual(epoch());
    expect((payload.exp as number) - (payload.iat as number)).toBe(300);
  });

  it('steps up three times back to back for alice, each with its own password and second factor', async () => {
    const posts: string[] = [];
    const recording: typeof fetch = (input, init) => {
      if (init?.method === 'POST') posts.push(new URL(String(input)).pathname.split('/').pop() as string);
      return fetch(input, init);
    };
    // One browser: its session from the baseline login does not stand in for a step-up.
    const agent = createUserAgent({ ...ALICE, fetch: recording });
    await obtain(registered, 'invoices:read', ALICE, agent);
    await obtain(registered, 'invoices:read', ALICE, agent);
    expect(posts).toEqual(['login', 'consent', 'consent']);
    posts.length = 0;
    const jtis = new Set<unknown>();
    for (let i = 0; i < 3; i++) {
      const tokens = await obtain(registered, 'invoices:read payments:refund', ALICE, agent);
      const { payload } = await verifyAccessToken(tokens.access_token, server.issuer, server.jwksUri);
      expect(payload.acr).toBe(MFA);
      jtis.add(payload.jti);
    }
    expect(jtis.size).toBe(3);
    expect(posts).toEqual(Array.from({ length: 3 }, () => ['login', 'second-factor', 'consent']).flat());
  });

  it('issues a refresh token with offline_access, never one for a step-up grant', async () => {
    // OpenID Connect Core §11 (oidc-provider follows it): offline_access only with prompt=consent,
    // which the MCP SDKs send along with it.
    const stepUp = await authorizationUrl(registered, 'invoices:read payments:refund offline_access', {
      prompt: 'consent',
    });
    const elevated = await exchange(registered, stepUp, await createUserAgent(ALICE).authorize(stepUp.url));
    expect(elevated.scope).toBe('invoices:read payments:refund');
    expect((await verifyAccessToken(elevated.access_token, server.issuer, server.jwksUri)).payload.acr).toBe(MFA);
    expect(elevated.refresh_token).toBeUndefined();

    const authorization = await authorizationUrl(registered, 'invoices:read offline_access', { prompt: 'consent' });
    const tokens = await exchange(registered, authorization, await createUserAgent(ALICE).authorize(authorization.url));
    expect(tokens.scope).toBe('invoices:read');
    expect(tokens.refresh_token).toEqual(expect.any(String));
    // The grant now holds payments:refund too (the step-up above): a refresh still never carries it.
    const refreshed = await refresh(registered, tokens.refresh_token as string);
    const { payload } = await verifyAccessToken(refreshed.access_token, server.issuer, server.jwksUri);
    expect(payload.scope).toBe('invoices:read');
    expect(payload.acr).toBeUndefined();
    expect(payload.auth_time).toBeUndefined();
    expect((payload.exp as number) - (payload.iat as number)).toBe(3600);
    // Asking for it by name at the token endpoint is refused (RFC 6749 §6: no wider than granted).
    await expect(
      refresh(registered, refreshed.refresh_token as string, 'invoices:read payments:refund'),
    ).rejects.toMatchObject({ error: 'invalid_scope' });
  });
});

// Accounts allows 10 password attempts per user per minute: a second server for more logins.
describe('default configuration, more clients', () => {
  let server: InteractiveAuthorizationServer;
  let registered: Registered;
  beforeAll(async () => {
    ({ server, registered } = await setUp());
  });
  afterAll(() => server.close());

  it('works for confidential clients too (client_secret_post and client_secret_basic)', async () => {
    for (const auth of ['client_secret_post', 'client_secret_basic'] as const) {
      const confidential = { as: registered.as, ...(await register(registered.as, auth)) };
      expect(confidential.client.client_secret).toEqual(expect.any(String));
      const tokens = await obtain(confidential, 'invoices:read');
      const { payload } = await verifyAccessToken(tokens.access_token, server.issuer, server.jwksUri);
      expect(payload.client_id).toBe(confidential.client.client_id);
    }
  });

  it('ends with access_denied when alice denies, and the client gets no code', async () => {
    const authorization = await authorizationUrl(registered, 'invoices:read');
    const callback = await createUserAgent({ ...ALICE, decision: 'deny' }).authorize(authorization.url);
    expect(callback.searchParams.get('error')).toBe('access_denied');
    expect(callback.searchParams.get('code')).toBeNull();
    expect(callback.searchParams.get('state')).toBe(authorization.state);
    expect(() => oauth.validateAuthResponse(registered.as, registered.client, callback, authorization.state)).toThrow(
      oauth.AuthorizationResponseError,
    );
  });

  it('names no token without the resource: a request naming none gets the one resource', async () => {
    const authorization = await authorizationUrl(registered, 'invoices:read');
    const callback = await createUserAgent(ALICE).authorize(authorization.url);
    const tokens = await exchange(registered, authorization, callback, {});
    expect((await verifyAccessToken(tokens.access_token, server.issuer, server.jwksUri)).payload.aud).toBe(RESOURCE);
  });
});

describe("refreshTokens: 'always'", () => {
  let server: InteractiveAuthorizationServer;
  let registered: Registered;
  beforeAll(async () => {
    ({ server, registered } = await setUp('always'));
  });
  afterAll(() => server.close());

  it('issues a refresh token without offline_access, and a refresh still drops payments:refund', async () => {
    const tokens = await obtain(registered, 'invoices:read payments:refund');
    expect(tokens.refresh_token).toEqual(expect.any(String));
    const refreshed = await refresh(registered, tokens.refresh_token as string);
    const { payload } = await verifyAccessToken(refreshed.access_token, server.issuer, server.jwksUri);
    expect(payload.scope).toBe('invoices:read');
    expect(payload.acr).toBeUndefined();
    expect(payload.auth_time).toBeUndefined();
  });

  it('issues none to a client registered without the refresh_token grant', async () => {
    const noRefresh = { as: registered.as, ...(await register(registered.as, 'none', false)) };
    const tokens = await obtain(noRefresh, 'invoices:read');
    expect(tokens.refresh_token).toBeUndefined();
  });
});
