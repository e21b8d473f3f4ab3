/**
 * Interoperability: the challenges both examples send are read identically by
 * `oauth4webapi` (protectedResourceRequest → WWWAuthenticateChallengeError), by the MCP
 * TypeScript SDK's `extractWWWAuthenticateParams`, and by @actiongate/client. A test fails if
 * any of them reads a value differently.
 */
import { findBearerChallenge } from '@actiongate/client';
import { extractWWWAuthenticateParams } from '@modelcontextprotocol/sdk/client/auth.js';
import * as oauth from 'oauth4webapi';
import { describe, expect, it } from 'vitest';
import { EXAMPLES } from '../blackbox/support/example.js';
import { type Fixture, useExample } from '../blackbox/support/fixture.js';
import { MFA } from '../blackbox/support/keys.js';

type Case = [string, string, string, (fx: Fixture) => Promise<string>];
const now = () => Math.floor(Date.now() / 1000);
const cases: Case[] = [
  ['invalid_token', 'GET', '/invoices', async () => 'not-a-jwt'],
  ['insufficient_scope', 'GET', '/invoices', (fx) => fx.withScope('other')],
  ['insufficient_scope (any-of)', 'POST', '/invoices/export', (fx) => fx.withScope('invoices:read')],
  [
    'insufficient_scope (freshness)',
    'DELETE',
    '/invoices/inv_1001',
    (fx) => fx.withScope('invoices:write invoices:delete', { iat: now() - 400 }),
  ],
  ['insufficient_user_authentication', 'POST', '/invoices/inv_1001/refund', (fx) => fx.withScope('payments:refund')],
  [
    'insufficient_user_authentication + scope',
    'POST',
    '/invoices/inv_1001/refund',
    (fx) => fx.withScope('invoices:read', { acr: MFA }),
  ],
];

describe.each(EXAMPLES)('%s: challenges read the same by every client', (name) => {
  const fx = useExample(name);

  it.each(cases)('%s', async (_, method, path, token) => {
    const url = new URL(path, fx.url);
    const accessToken = await token(fx);

    const raw = await fetch(url, { method, headers: { authorization: `Bearer ${accessToken}` } });
    const ours = findBearerChallenge(raw.headers);
    const mcp = extractWWWAuthenticateParams(raw);
    expect(ours?.error).toBeDefined();

    const error = await oauth
      .protectedResourceRequest(accessToken, method, url, undefined, undefined, { [oauth.allowInsecureRequests]: true })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(oauth.WWWAuthenticateChallengeError);
    const [challenge] = (error as oauth.WWWAuthenticateChallengeError).cause;
    expect(challenge?.scheme).toBe('bearer');
    const parameters = challenge?.parameters ?? {};

    // error
    expect(parameters.error).toBe(ours?.error);
    expect(mcp.error).toBe(ours?.error);
    // scope
    expect(parameters.scope).toBe(ours?.scope?.join(' '));
    expect(mcp.scope).toBe(ours?.scope?.join(' '));
    // resource_metadata
    expect(parameters.resource_metadata).toBe(`${fx.url}/.well-known/oauth-protected-resource`);
    expect(ours?.resourceMetadata).toBe(parameters.resource_metadata);
    expect(mcp.resourceMetadataUrl?.href).toBe(parameters.resource_metadata);
    // acr_values and max_age (RFC 9470), which the MCP helper does not read
    expect(parameters.acr_values).toBe(ours?.acrValues?.join(' '));
    expect(parameters.max_age).toBe(ours?.maxAge === undefined ? undefined : String(ours.maxAge));
    // error_description and realm
    expect(parameters.error_description).toBe(ours?.errorDescription);
    expect(parameters.realm).toBe('invoices');
  });

  it('a request without credentials: the challenge carries no error for anyone', async () => {
    const response = await fetch(new URL('/invoices', fx.url));
    expect(findBearerChallenge(response.headers)?.error).toBeUndefined();
    expect(extractWWWAuthenticateParams(response).error).toBeUndefined();
    expect(extractWWWAuthenticateParams(response).resourceMetadataUrl?.href).toBe(
      `${fx.url}/.well-known/oauth-protected-resource`,
    );
  });
});
