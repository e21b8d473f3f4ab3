/**
 * DPoP (RFC 9449) on the interactive server, as an MCP client with a key would use it, through
 * oauth4webapi: tokens bound to the key that proved possession at the token endpoint; hostile
 * cases first: a proof for another URL, a code pinned to one key redeemed with another, a bound
 * refresh token used without its key.
 */
import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUserAgent, type InteractiveAuthorizationServer, startInteractiveAuthorizationServer } from './index.js';
import {
  ALICE,
  authorizationUrl,
  discover,
  REDIRECT_URI,
  RESOURCE,
  type Registered,
  register,
  SCOPES,
  verifyAccessToken,
} from './test-client.js';

const insecure = { [oauth.allowInsecureRequests]: true };

let server: InteractiveAuthorizationServer;
let registered: Registered;
beforeAll(async () => {
  server = await startInteractiveAuthorizationServer({ resource: RESOURCE, scopes: SCOPES, refreshTokens: 'always' });
  const as = await discover(server.issuer);
  registered = { as, ...(await register(as)) };
});
afterAll(() => server.close());

async function keyHandle() {
  const handle = oauth.DPoP({}, await oauth.generateKeyPair('ES256'));
  return { handle, jkt: await handle.calculateThumbprint() };
}

/** Authorizes as alice (through the pages) and redeems the code with a proof by `dpop`, if any. */
async function codeFor(scope: string, extra: Record<string, string> = {}) {
  const authorization = await authorizationUrl(registered, scope, extra);
  const callback = await createUserAgent(ALICE).authorize(authorization.url);
  const params = oauth.validateAuthResponse(registered.as, registered.client, callback, authorization.state);
  return { params, verifier: authorization.verifier };
}

async function redeem(code: Awaited<ReturnType<typeof codeFor>>, dpop?: oauth.DPoPHandle) {
  const { as, client, clientAuth } = registered;
  const request = () =>
    oauth.authorizationCodeGrantRequest(as, client, clientAuth, code.params, REDIRECT_URI, code.verifier, {
      additionalParameters: { resource: RESOURCE },
      ...insecure,
      ...(dpop === undefined ? {} : { DPoP: dpop }),
    });
  return oauth.processAuthorizationCodeResponse(as, client, await request());
}

describe('DPoP on the interactive server', () => {
  it('advertises DPoP signing algorithms (RFC 9449 §5.1)', () => {
    expect(registered.as.dpop_signing_alg_values_supported).toEqual(expect.arrayContaining(['ES256']));
  });

  it('refuses a proof made for another URL (htu), and issues nothing', async () => {
    const code = await codeFor('invoices:read');
    const { handle } = await keyHandle();
    const { as, client, clientAuth } = registered;
    const elsewhere = { ...as, token_endpoint: `${server.issuer}/elsewhere` };
    // The proof names /elsewhere; the request goes to the real token endpoint.
    const forged: typeof fetch = (input, init) =>
      fetch(String(input).replace('/elsewhere', '/token'), init as RequestInit);
    const response = await oauth.authorizationCodeGrantRequest(
      elsewhere,
      client,
      clientAuth,
      code.params,
      REDIRECT_URI,
      code.verifier,
      { additionalParameters: { resource: RESOURCE }, ...insecure, DPoP: handle, [oauth.customFetch]: forged },
    );
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'invalid_dpop_proof' });
  });

  it('refuses a code pinned to one key (dpop_jkt, §10) when redeemed with another', async () => {
    const pinned = await keyHandle();
    const other = await keyHandle();
    const code = await codeFor('invoices:read', { dpop_jkt: pinned.jkt });
    await expect(redeem(code, other.handle)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('binds the access token to the key: token_type DPoP and cnf.jkt its thumbprint', async () => {
    const { handle, jkt } = await keyHandle();
    const tokens = await redeem(await codeFor('invoices:read payments:refund', { dpop_jkt: jkt }), handle);
    expect(tokens.token_type.toLowerCase()).toBe('dpop');
    const { payload } = await verifyAccessToken(tokens.access_token, server.issuer, server.jwksUri);
    expect(payload.cnf).toEqual({ jkt });
    expect(payload.scope).toBe('invoices:read payments:refund');
  });

  it("binds a public client's refresh token too: refused without a proof by the key, honoured with one", async () => {
    const { handle, jkt } = await keyHandle();
    const tokens = await redeem(await codeFor('invoices:read'), handle);
    const refreshToken = tokens.refresh_token as string;
    expect(refreshToken).toEqual(expect.any(String));
    const { as, client, clientAuth } = registered;
    const refresh = (dpop?: oauth.DPoPHandle) =>
      oauth.refreshTokenGrantRequest(as, client, clientAuth, refreshToken, {
        additionalParameters: { resource: RESOURCE },
        ...insecure,
        ...(dpop === undefined ? {} : { DPoP: dpop }),
      });
    await expect(oauth.processRefreshTokenResponse(as, client, await refresh())).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    const stranger = await keyHandle();
    await expect(oauth.processRefreshTokenResponse(as, client, await refresh(stranger.handle))).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    const renewed = await oauth.processRefreshTokenResponse(as, client, await refresh(handle));
    const { payload } = await verifyAccessToken(renewed.access_token, server.issuer, server.jwksUri);
    expect(payload.cnf).toEqual({ jkt });
  });
});
