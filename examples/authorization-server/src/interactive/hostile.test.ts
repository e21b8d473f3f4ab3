/**
 * The attacker's side of the interactive server: forged and replayed forms, framing, guessing,
 * foreign hosts and redirect URIs, other resources, and every way around the second factor.
 */
import { request as httpRequest } from 'node:http';
import * as oauth from 'oauth4webapi';
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
  challengeOf,
  csrfOf,
  discover,
  exchange,
  REDIRECT_URI,
  RESOURCE,
  type Registered,
  refresh,
  register,
  SCOPES,
  verifyAccessToken,
} from './test-client.js';

const PASSWORD = ALICE.password;
const SECRET = DEMO_SECOND_FACTOR.alice as string;

async function setUp(refreshTokens?: 'offline_access' | 'always') {
  const server = await startInteractiveAuthorizationServer({ resource: RESOURCE, scopes: SCOPES, refreshTokens });
  const as = await discover(server.issuer);
  return { server, registered: { as, ...(await register(as)) } as Registered };
}

/** Opens an authorization in `browser` and follows it to its first page. */
async function begin(browser: Browser, registered: Registered, scope: string, extra: Record<string, string> = {}) {
  const authorization = await authorizationUrl(registered, scope, extra);
  const page = await browser.open(authorization.url);
  return { authorization, page, action: actionOf(page.body), csrf: csrfOf(page.body) };
}

/** Submits a form and follows the post/redirect/get to the next page. */
async function submit(browser: Browser, action: string, fields: Record<string, string>) {
  const answer = await browser.post(action, fields);
  if (answer.status !== 303 || answer.location === undefined) return { answer, next: undefined };
  return { answer, next: await browser.open(answer.location) };
}

describe('the pages', () => {
  let server: InteractiveAuthorizationServer;
  let registered: Registered;
  beforeAll(async () => {
    ({ server, registered } = await setUp());
  });
  afterAll(() => server.close());

  it('forbid framing and caching', async () => {
    const { page } = await begin(new Browser(server.issuer), registered, 'invoices:read');
    expect(page.status).toBe(200);
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(page.body).toContain('name="password"');
  });

  it('refuse a form posted from a foreign origin, or with no Origin or Referer, before reading it', async () => {
    const browser = new Browser(server.issuer);
    const { action, csrf } = await begin(browser, registered, 'invoices:read');
    const fields = { csrf, username: 'alice', password: PASSWORD };
    for (const headers of [{ origin: 'http://evil.example' }, { referer: 'http://evil.example/page' }, {}] as Record<
      string,
      string
    >[]) {
      const answer = await browser.post(action, fields, headers);
      expect(answer.status).toBe(403);
      expect(answer.location).toBeUndefined();
    }
    // Nothing was spent: the real page still signs alice in.
    expect((await browser.post(action, fields)).status).toBe(303);
  });

  it('refuse a form without this interaction’s CSRF token, even one from another interaction of the same browser', async () => {
    const browser = new Browser(server.issuer);
    const first = await begin(browser, registered, 'invoices:read');
    const second = await begin(browser, registered, 'invoices:read');
    expect(second.csrf).not.toBe(first.csrf);
    for (const csrf of ['', 'forged', first.csrf]) {
      const answer = await browser.post(second.action, { csrf, username: 'alice', password: PASSWORD });
      expect(answer.status).toBe(403);
    }
  });

  it('answer an interaction only to the browser that started it', async () => {
    const { action, csrf, page } = await begin(new Browser(server.issuer), registered, 'invoices:read');
    const stranger = new Browser(server.issuer);
    expect((await stranger.open(page.url)).status).toBe(400);
    expect((await stranger.post(action, { csrf, username: 'alice', password: PASSWORD })).status).toBe(400);
  });

  it('refuse to replay a finished interaction', async () => {
    const browser = new Browser(server.issuer);
    const { action, csrf, page } = await begin(browser, registered, 'invoices:read');
    const consent = await submit(browser, action, { csrf, username: 'alice', password: PASSWORD });
    const consentAction = actionOf(consent.next?.body ?? '');
    expect(consentAction).toMatch(/\/consent$/);
    const approved = await browser.post(consentAction, { csrf, decision: 'approve' });
    expect(approved.status).toBe(303);
    const replayed = await browser.post(consentAction, { csrf, decision: 'approve' });
    expect(replayed.status).toBe(400);
    expect(replayed.location).toBeUndefined();
    expect((await browser.request(page.url)).status).toBe(400);
  });

  it('escape what a client registered (its name) on every page', async () => {
    const hostile = {
      as: registered.as,
      ...(await oauth
        .dynamicClientRegistrationRequest(
          registered.as,
          {
            client_name: '<script>alert(1)</script>',
            redirect_uris: [REDIRECT_URI],
            token_endpoint_auth_method: 'none',
          },
          { [oauth.allowInsecureRequests]: true },
        )
        .then(oauth.processDynamicClientRegistrationResponse)
        .then((client) => ({ client, clientAuth: oauth.None() }))),
    };
    const { page } = await begin(new Browser(server.issuer), hostile, 'invoices:read');
    expect(page.body).not.toContain('<script>');
    expect(page.body).toContain('&#60;script&#62;alert(1)&#60;/script&#62;');
  });

  it('refuse a request that names another host (DNS rebinding) with 421', async () => {
    const { port } = new URL(server.issuer);
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port,
          path: '/.well-known/oauth-authorization-server',
          headers: { host: `evil.example:${port}` },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode);
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(421);
  });
});

describe('guessing', () => {
  let server: InteractiveAuthorizationServer;
  let registered: Registered;
  beforeAll(async () => {
    ({ server, registered } = await setUp());
  });
  afterAll(() => server.close());

  it('answers a wrong password and an unknown user alike, then stops taking guesses for that user', async () => {
    const browser = new Browser(server.issuer);
    const { action, csrf } = await begin(browser, registered, 'invoices:read');
    const unknown = await browser.post(action, { csrf, username: 'mallory', password: 'whatever-password' });
    const wrong = await browser.post(action, { csrf, username: 'alice', password: 'wrong-password' });
    expect(unknown.status).toBe(401);
    expect(wrong.status).toBe(401);
    const error = (body: string) => /<p class="error" role="alert">([^<]*)</.exec(body)?.[1];
    expect(error(wrong.body)).toEqual(expect.any(String));
    expect(error(unknown.body)).toBe(error(wrong.body));
    for (let i = 0; i < 9; i++) await browser.post(action, { csrf, username: 'alice', password: `wrong-${i}` });
    // Ten attempts in the minute: now even the right password is refused, with the same words.
    const right = await browser.post(action, { csrf, username: 'alice', password: PASSWORD });
    expect(right.status).toBe(401);
    expect(error(right.body)).toBe(error(wrong.body));
  });

  it('answers a wrong second factor generically, replaces the challenge after three, and stops taking guesses', async () => {
    const bobServer = await startInteractiveAuthorizationServer({ resource: RESOURCE, scopes: SCOPES });
    try {
      const as = await discover(bobServer.issuer);
      const reg = { as, ...(await register(as)) };
      const browser = new Browser(bobServer.issuer);
      const { action, csrf } = await begin(browser, reg, 'invoices:read payments:refund');
      const factor = await submit(browser, action, { csrf, username: 'alice', password: PASSWORD });
      const factorAction = actionOf(factor.next?.body ?? '');
      expect(factorAction).toMatch(/\/second-factor$/);
      const first = challengeOf(factor.next?.body ?? '');
      // bob's authenticator does not answer for alice.
      const bobs = await browser.post(factorAction, {
        csrf,
        response: ocraResponse(DEMO_SECOND_FACTOR.bob as string, first),
      });
      expect(bobs.status).toBe(401);
      expect(bobs.body).toContain('That response is not right');
      expect(challengeOf(bobs.body)).toBe(first);
      await browser.post(factorAction, { csrf, response: '000000' });
      const third = await browser.post(factorAction, { csrf, response: '000001' });
      const second = challengeOf(third.body);
      expect(second).not.toBe(first);
      // The old challenge's right answer is worthless now.
      expect((await browser.post(factorAction, { csrf, response: ocraResponse(SECRET, first) })).status).toBe(401);
      for (let i = 0; i < 6; i++) await browser.post(factorAction, { csrf, response: '123456' });
      // Ten guesses in the minute: even the right answer to the current challenge is refused.
      const page = await browser.request(factorAction.replace(/\/second-factor$/, ''));
      const right = await browser.post(factorAction, { csrf, response: ocraResponse(SECRET, challengeOf(page.body)) });
      expect(right.status).toBe(401);
    } finally {
      await bobServer.close();
    }
  });
});

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

describe('malformed posts', () => {
  let server: InteractiveAuthorizationServer;
  let registered: Registered;
  beforeAll(async () => {
    ({ server, registered } = await setUp());
  });
  afterAll(() => server.close());

  it('refuses a body that is not a form (415) or is too large (413), and the page still works', async () => {
    const browser = new Browser(server.issuer);
    const { action, csrf } = await begin(browser, registered, 'invoices:read');
    const json = await browser.request(action, {
      method: 'POST',
      headers: { origin: server.issuer, 'content-type': 'application/json' },
      body: JSON.stringify({ csrf, username: 'alice', password: PASSWORD }),
    });
    expect(json.status).toBe(415);
    const large = await browser.post(action, { csrf, username: 'alice', password: 'x'.repeat(9000) });
    expect(large.status).toBe(413);
    expect((await browser.post(action, { csrf, username: 'alice', password: PASSWORD })).status).toBe(303);
  });
});
