/**
 * A step-up scope (payments:refund) can never be had without the second factor passed in the
 * same authorization: not by skipping a page, not from a baseline interaction, not at the token
 * endpoint, not by refreshing, not silently (prompt=none).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createUserAgent,
  DEMO_SECOND_FACTOR,
  type InteractiveAuthorizationServer,
  ocraResponse,
  startInteractiveAuthorizationServer,
} from './index.js';
import {
  ALICE,
  actionOf,
  authorizationUrl,
  Browser,
  begin,
  challengeOf,
  discover,
  exchange,
  PASSWORD,
  RESOURCE,
  type Registered,
  refresh,
  register,
  SCOPES,
  submit,
  verifyAccessToken,
} from './test-client.js';

const SECRET = DEMO_SECOND_FACTOR.alice as string;

async function setUp(refreshTokens?: 'offline_access' | 'always') {
  const server = await startInteractiveAuthorizationServer({ resource: RESOURCE, scopes: SCOPES, refreshTokens });
  const as = await discover(server.issuer);
  return { server, registered: { as, ...(await register(as)) } as Registered };
}

describe('a step-up scope only with the second factor', () => {
  let server: InteractiveAuthorizationServer;
  let registered: Registered;
  beforeAll(async () => {
    ({ server, registered } = await setUp('always'));
  });
  afterAll(() => server.close());

  it('never takes one interaction’s response in another', async () => {
    const browser = new Browser(server.issuer);
    const a = await begin(browser, registered, 'invoices:read payments:refund');
    const aFactor = await submit(browser, a.action, { csrf: a.csrf, username: 'alice', password: PASSWORD });
    const aResponse = ocraResponse(SECRET, challengeOf(aFactor.next?.body ?? ''));
    expect((await browser.post(actionOf(aFactor.next?.body ?? ''), { csrf: a.csrf, response: aResponse })).status).toBe(
      303,
    );
    const b = await begin(new Browser(server.issuer), registered, 'invoices:read payments:refund');
    const other = new Browser(server.issuer);
    const b2 = await begin(other, registered, 'invoices:read payments:refund');
    const bFactor = await submit(other, b2.action, { csrf: b2.csrf, username: 'alice', password: PASSWORD });
    expect(challengeOf(bFactor.next?.body ?? '')).not.toBe(challengeOf(aFactor.next?.body ?? ''));
    const replay = await other.post(actionOf(bFactor.next?.body ?? ''), { csrf: b2.csrf, response: aResponse });
    expect(replay.status).toBe(401);
    expect(b.page.status).toBe(200);
  });

  it('cannot skip from the password to consent', async () => {
    const browser = new Browser(server.issuer);
    const { action, csrf } = await begin(browser, registered, 'invoices:read payments:refund');
    const factor = await submit(browser, action, { csrf, username: 'alice', password: PASSWORD });
    const consentAction = actionOf(factor.next?.body ?? '').replace(/second-factor$/, 'consent');
    const skipped = await browser.post(consentAction, { csrf, decision: 'approve' });
    expect(skipped.status).toBe(409);
    expect(skipped.location).toBeUndefined();
    expect(skipped.body).toContain('id="challenge"');
  });

  it('cannot turn a baseline interaction into one: no second-factor step, no extra scope at consent or at the token endpoint', async () => {
    const browser = new Browser(server.issuer);
    const { action, csrf, authorization } = await begin(browser, registered, 'invoices:read');
    const consent = await submit(browser, action, { csrf, username: 'alice', password: PASSWORD });
    const consentAction = actionOf(consent.next?.body ?? '');
    const factorAction = consentAction.replace(/consent$/, 'second-factor');
    expect((await browser.post(factorAction, { csrf, response: '000000' })).status).toBe(409);
    const approved = await browser.post(consentAction, { csrf, decision: 'approve', scope: 'payments:refund' });
    const callback = await browser.open(approved.location as URL);
    const tokens = await exchange(registered, authorization, callback.url, {
      resource: RESOURCE,
      scope: 'payments:refund',
    });
    const { payload } = await verifyAccessToken(tokens.access_token, server.issuer, server.jwksUri);
    expect(payload.scope).toBe('invoices:read');
    expect(payload.acr).toBeUndefined();
    // Nor by refreshing, naming it.
    await expect(
      refresh(registered, tokens.refresh_token as string, 'invoices:read payments:refund'),
    ).rejects.toMatchObject({
      error: 'invalid_scope',
    });
  });

  it('asks again with prompt=none: login_required, even for a browser signed in a moment ago with the second factor', async () => {
    const agent = createUserAgent(ALICE);
    const first = await authorizationUrl(registered, 'invoices:read payments:refund');
    expect((await agent.authorize(first.url)).searchParams.get('code')).toEqual(expect.any(String));
    const silent = await authorizationUrl(registered, 'invoices:read payments:refund', { prompt: 'none' });
    const callback = await agent.authorize(silent.url);
    expect(callback.searchParams.get('error')).toBe('login_required');
    expect(callback.searchParams.get('code')).toBeNull();
  });

  it('a user agent without the second factor cannot complete a step-up', async () => {
    const authorization = await authorizationUrl(registered, 'invoices:read payments:refund');
    await expect(
      createUserAgent({ username: 'alice', password: PASSWORD }).authorize(authorization.url),
    ).rejects.toThrow(/second factor/);
  });
});
