/**
 * What the interactive server lets in: registrations (redirect URIs), resources (RFC 8707) and
 * PKCE, from the attacker's side.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUserAgent, type InteractiveAuthorizationServer, startInteractiveAuthorizationServer } from './index.js';
import {
  ALICE,
  authorizationUrl,
  Browser,
  discover,
  exchange,
  REDIRECT_URI,
  RESOURCE,
  type Registered,
  register,
  SCOPES,
} from './test-client.js';

async function setUp() {
  const server = await startInteractiveAuthorizationServer({ resource: RESOURCE, scopes: SCOPES });
  const as = await discover(server.issuer);
  return { server, registered: { as, ...(await register(as)) } as Registered };
}

describe('registration and resources', () => {
  let server: InteractiveAuthorizationServer;
  let registered: Registered;
  beforeAll(async () => {
    ({ server, registered } = await setUp());
  });
  afterAll(() => server.close());

  const registerWith = (redirectUri: string) =>
    fetch(`${server.issuer}/reg`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ redirect_uris: [redirectUri], token_endpoint_auth_method: 'none' }),
    });

  it.each([
    'http://evil.example/callback',
    'http://127.0.0.1.evil.example/callback',
    'http://10.0.0.1/callback',
    'com.example.app:/callback',
    'javascript:alert(1)',
  ])('refuses to register the redirect URI %s', async (uri) => {
    const response = await registerWith(uri);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toMatch(/^invalid_(redirect_uri|client_metadata)$/);
  });

  it.each([
    'https://client.example/callback',
    'http://127.0.0.1:9999/cb',
    'http://localhost:8090/callback',
    'http://[::1]/cb',
  ])('registers the redirect URI %s', async (uri) => {
    expect((await registerWith(uri)).status).toBe(201);
  });

  it('refuses an authorization request for another resource with invalid_target', async () => {
    const authorization = await authorizationUrl(registered, 'invoices:read', {
      resource: 'https://other.example/api',
    });
    const callback = await createUserAgent(ALICE).authorize(authorization.url);
    expect(callback.searchParams.get('error')).toBe('invalid_target');
  });

  it('refuses a token request for another resource with invalid_target', async () => {
    const authorization = await authorizationUrl(registered, 'invoices:read');
    const callback = await createUserAgent(ALICE).authorize(authorization.url);
    await expect(
      exchange(registered, authorization, callback, { resource: 'https://other.example/api' }),
    ).rejects.toMatchObject({
      error: 'invalid_target',
    });
  });

  it('refuses a code flow without PKCE, or with plain PKCE', async () => {
    for (const extra of [
      { code_challenge: '', code_challenge_method: '' },
      { code_challenge_method: 'plain' },
    ] as Record<string, string>[]) {
      const authorization = await authorizationUrl(registered, 'invoices:read', extra);
      const answer = await new Browser(server.issuer).request(authorization.url);
      expect(answer.location?.origin).toBe(new URL(REDIRECT_URI).origin);
      expect(answer.location?.searchParams.get('error')).toBe('invalid_request');
    }
  });
});

describe('configuration', () => {
  it.each([
    [{ resource: 'not a uri', scopes: SCOPES }, /^resource:/],
    [{ resource: `${RESOURCE}#frag`, scopes: SCOPES }, /^resource:/],
    [{ resource: RESOURCE, scopes: [] }, /^scopes:/],
    [{ resource: RESOURCE, scopes: ['invoices read'] }, /^scopes:/],
    [{ resource: RESOURCE, scopes: [...SCOPES, 'offline_access'] }, /^scopes:/],
    [{ resource: RESOURCE, scopes: ['invoices:read'] }, /^stepUpScopes: "payments:refund"/],
    [{ resource: RESOURCE, scopes: SCOPES, stepUpTokenTtl: 0 }, /^stepUpTokenTtl:/],
    [{ resource: RESOURCE, scopes: SCOPES, users: { alice: 'short' } }, /^users:/],
  ])('refuses %j at start-up, naming the option', async (options, message) => {
    await expect(startInteractiveAuthorizationServer(options)).rejects.toThrow(message);
  });
});
