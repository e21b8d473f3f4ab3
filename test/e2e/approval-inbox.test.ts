/**
 * The demo authorization server's approval inbox, attacked over HTTP: only the signed-in user
 * can see and decide their own requests, from the server's own pages, once. The client, which
 * holds the auth_req_id, cannot approve itself; nor can a neighbour, a foreign host or page.
 */

import { request } from 'node:http';
import { connect } from 'node:net';
import {
  type AuthorizationServer,
  DEMO_USERS,
  startAuthorizationServer,
} from '@actiongate-examples/authorization-server';
import { invoiceScopes } from '@actiongate-examples/invoices-kit';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decideAs, form, raw, readInbox, signIn, waitForApproval } from './support/http.js';

const audience = 'http://127.0.0.1:1/';
const secret = 'test-client-secret';
let as: AuthorizationServer;
let alice: string;
let bob: string;

beforeAll(async () => {
  as = await startAuthorizationServer({
    resources: { [audience]: invoiceScopes },
    clientSecret: secret,
    approvalsPerMinute: 100,
  });
  alice = await signIn(as.issuer, 'alice', DEMO_USERS.alice as string);
  bob = await signIn(as.issuer, 'bob', DEMO_USERS.bob as string);
});
afterAll(() => as.close());

const clientAuth = { client_id: 'invoice-app', client_secret: secret };

/** The client's CIBA request for alice; its auth_req_id, which the client holds. */
async function cibaRequest(identifier: string, user = 'alice'): Promise<string> {
  const { body, ...type } = form({
    ...clientAuth,
    login_hint: user,
    scope: 'openid payments:refund',
    resource: audience,
    acr_values: 'urn:actiongate:mfa',
    binding_message: `POST /invoices/${identifier}/refund`,
    authorization_details: JSON.stringify([{ type: 'payment_refund', actions: ['refund'], identifier }]),
  });
  const response = await raw(`${as.issuer}/backchannel`, { method: 'POST', headers: type, body });
  expect(response.status).toBe(200);
  return (JSON.parse(response.body) as { auth_req_id: string }).auth_req_id;
}

/** One poll of the token endpoint, as the client does; the error code or the token. */
async function poll(authReqId: string): Promise<{ error?: string; access_token?: string }> {
  const { body, ...type } = form({
    ...clientAuth,
    grant_type: 'urn:openid:params:grant-type:ciba',
    auth_req_id: authReqId,
  });
  return JSON.parse((await raw(`${as.issuer}/token`, { method: 'POST', headers: type, body })).body);
}
const stillPending = (answer: { error?: string }) =>
  ['authorization_pending', 'slow_down'].includes(answer.error ?? '');

async function pendingFor(cookie: string, identifier: string) {
  const view = await readInbox(as.issuer, cookie);
  return { view, approval: view.approvals.find((item) => item.binding_message?.includes(identifier)) };
}

const post = (path: string, headers: Record<string, string>, fields: Record<string, string>) => {
  const { body, ...type } = form(fields);
  return raw(`${as.issuer}${path}`, { method: 'POST', headers: { ...type, ...headers }, body });
};

describe('the client cannot approve its own request', () => {
  it('approving with only the auth_req_id and no session is refused, and the poll stays pending until alice denies', async () => {
    const authReqId = await cibaRequest('inv_2001');
    const forged = await post(`/approvals/${authReqId}`, { origin: as.issuer }, { decision: 'approve' });
    expect(forged.status).toBe(401);
    expect(stillPending(await poll(authReqId))).toBe(true);

    // Even alice's own session cannot use the auth_req_id as an approval id.
    const { view, approval } = await pendingFor(alice, 'inv_2001');
    const byAuthReqId = await decideAs(as.issuer, alice, view.csrf, authReqId, 'approve');
    expect(byAuthReqId.status).toBe(404);
    expect(approval?.id).not.toBe(authReqId);
    expect(approval?.id).toMatch(/^[A-Za-z0-9_-]{43,}$/); // ≥ 256 bits, base64url

    expect((await decideAs(as.issuer, alice, view.csrf, approval?.id as string, 'deny')).status).toBe(303);
    await new Promise((resolve) => setTimeout(resolve, 1000)); // the poll interval
    expect((await poll(authReqId)).error).toBe('access_denied');
  });

  it('guessed approval ids are refused and change nothing', async () => {
    await cibaRequest('inv_2002');
    const { view, approval } = await pendingFor(alice, 'inv_2002');
    for (const guess of [
      '1',
      'inv_2002',
      'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
      `${approval?.id}x`,
      '..%2Fapprovals',
    ]) {
      expect((await decideAs(as.issuer, alice, view.csrf, guess, 'approve')).status).toBe(404);
    }
    expect((await pendingFor(alice, 'inv_2002')).approval?.id).toBe(approval?.id);
  });

  it('client credentials yield the baseline only: invoices:admin and invoices:write are dropped from the token', async () => {
    for (const scope of [
      'invoices:admin',
      'invoices:write invoices:delete',
      'invoices:read invoices:admin payments:refund',
    ]) {
      const { body, ...type } = form({ ...clientAuth, grant_type: 'client_credentials', scope, resource: audience });
      const response = await raw(`${as.issuer}/token`, { method: 'POST', headers: type, body });
      expect(response.status).toBe(200);
      const { access_token: token, scope: granted } = JSON.parse(response.body) as {
        access_token: string;
        scope?: string;
      };
      const claims = decodeJwt(token);
      expect(String(claims.scope ?? '')).not.toMatch(/invoices:(admin|write|delete)|payments:refund/);
      expect(granted ?? '').not.toMatch(/invoices:(admin|write|delete)|payments:refund/);
    }
  });
});

describe('only the signed-in user, from this server, decides', () => {
  it('a foreign Host header is refused with 421 for pages, decisions and the provider alike, with no effect', async () => {
    const authReqId = await cibaRequest('inv_2003');
    const { view, approval } = await pendingFor(alice, 'inv_2003');
    const evil = { host: 'evil.example' };
    expect((await raw(`${as.issuer}/approvals`, { headers: { ...evil, cookie: alice } })).status).toBe(421);
    expect((await raw(`${as.issuer}/.well-known/openid-configuration`, { headers: evil })).status).toBe(421);
    const decision = await post(
      `/approvals/${approval?.id}`,
      { ...evil, cookie: alice, origin: 'http://evil.example' },
      { decision: 'approve', csrf: view.csrf },
    );
    expect(decision.status).toBe(421);
    expect(stillPending(await poll(authReqId))).toBe(true);
    expect((await pendingFor(alice, 'inv_2003')).approval?.id).toBe(approval?.id);
  });

  it('an absolute-form target naming a foreign host is refused with 421 whatever the Host header says (RFC 9112 §3.2.2)', async () => {
    const { port, host } = new URL(as.issuer);
    const absolute = (target: string) =>
      new Promise<number>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, path: target, headers: { host, cookie: alice } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.setTimeout(5000, () => req.destroy(new Error('no answer within 5 s')));
        req.on('error', reject).end();
      });
    expect(await absolute('http://evil.example/approvals')).toBe(421);
    expect(await absolute('http://evil.example/.well-known/openid-configuration')).toBe(421);
    expect(await absolute(`http://${host}/approvals`)).toBe(200); // its own authority is fine
  });

  it('a request with two Host header lines is refused with 400, whichever comes first (RFC 9112 §3.2)', async () => {
    const { port, host } = new URL(as.issuer);
    const send = (hosts: string[]) =>
      new Promise<string>((resolve, reject) => {
        const socket = connect(Number(port), '127.0.0.1', () =>
          socket.write(
            `GET /approvals HTTP/1.1\r\n${hosts.map((h) => `Host: ${h}\r\n`).join('')}Cookie: ${alice}\r\nAccept: application/json\r\nConnection: close\r\n\r\n`,
          ),
        );
        let reply = '';
        socket.setTimeout(5000, () => socket.destroy(new Error('no answer within 5 s')));
        socket.on('data', (chunk) => {
          reply += chunk;
        });
        socket.on('end', () => resolve(reply.split('\r\n')[0] ?? ''));
        socket.on('error', reject);
      });
    expect(await send([host, 'evil.example'])).toMatch(/^HTTP\/1\.1 400 /);
    expect(await send(['evil.example', host])).toMatch(/^HTTP\/1\.1 4(00|21) /);
    expect(await send([host])).toMatch(/^HTTP\/1\.1 200 /);
  });

  it('a cross-site form post is refused: foreign Origin, Origin null, foreign Referer, or neither', async () => {
    const authReqId = await cibaRequest('inv_2004');
    const { view, approval } = await pendingFor(alice, 'inv_2004');
    const fields = { decision: 'approve', csrf: view.csrf };
    for (const headers of [
      { origin: 'https://evil.example' } as Record<string, string>,
      { origin: 'null' },
      { origin: `${as.issuer}.evil.example` },
      { referer: 'https://evil.example/approvals' },
      { referer: 'not a url' },
      {},
    ]) {
      const response = await post(`/approvals/${approval?.id}`, { ...headers, cookie: alice }, fields);
      expect(response.status).toBe(403);
    }
    expect(stillPending(await poll(authReqId))).toBe(true);
    expect((await pendingFor(alice, 'inv_2004')).approval?.id).toBe(approval?.id);
    // A sign-in from another site is refused as well (login CSRF).
    const login = await post(
      '/approvals/login',
      { origin: 'https://evil.example' },
      { username: 'alice', password: DEMO_USERS.alice as string },
    );
    expect(login.status).toBe(403);
    expect(login.headers['set-cookie']).toBeUndefined();
  });

  it('a missing or wrong CSRF token is refused with 403, with no effect', async () => {
    await cibaRequest('inv_2005');
    const { view, approval } = await pendingFor(alice, 'inv_2005');
    const { csrf: bobsToken } = await readInbox(as.issuer, bob);
    for (const csrf of [undefined, '', 'x', `${view.csrf}x`, view.csrf.slice(1), bobsToken]) {
      const fields: Record<string, string> = { decision: 'approve', ...(csrf === undefined ? {} : { csrf }) };
      const response = await post(`/approvals/${approval?.id}`, { cookie: alice, origin: as.issuer }, fields);
      expect(response.status).toBe(403);
    }
    expect((await pendingFor(alice, 'inv_2005')).approval?.id).toBe(approval?.id);
  });

  it("bob's session neither sees nor decides alice's request", async () => {
    const authReqId = await cibaRequest('inv_2006');
    const { approval } = await pendingFor(alice, 'inv_2006');
    const bobs = await readInbox(as.issuer, bob);
    expect(bobs.account).toBe('bob');
    expect(JSON.stringify(bobs)).not.toContain('inv_2006');
    const page = await raw(`${as.issuer}/approvals`, { headers: { cookie: bob } });
    expect(page.body).not.toContain('inv_2006');
    expect(page.body).not.toContain(approval?.id);
    expect((await decideAs(as.issuer, bob, bobs.csrf, approval?.id as string, 'approve')).status).toBe(404);
    expect(stillPending(await poll(authReqId))).toBe(true);
    expect((await pendingFor(alice, 'inv_2006')).approval?.id).toBe(approval?.id);
  });

  it('listing without a session, or with a made-up one, shows the sign-in form and no request', async () => {
    await cibaRequest('inv_2007');
    for (const headers of [{}, { cookie: 'actiongate_inbox=forged' }, { accept: 'application/json' }] as Record<
      string,
      string
    >[]) {
      const response = await raw(`${as.issuer}/approvals`, { headers });
      expect(response.status).toBe(401);
      expect(response.body).not.toContain('inv_2007');
      expect(response.body).not.toContain('csrf');
    }
  });

  it('a wrong password or an unknown user gets no session', async () => {
    for (const [username, password] of [
      ['alice', 'wrong-password'],
      ['alice', ''],
      ['mallory', DEMO_USERS.alice as string],
      ['alice', `${DEMO_USERS.alice}\u0000`],
    ]) {
      const response = await post(
        '/approvals/login',
        { origin: as.issuer },
        { username: username as string, password: password as string },
      );
      expect(response.status).toBe(401);
      expect(response.headers['set-cookie']).toBeUndefined();
      expect(response.body).toContain('Wrong user name or password.');
    }
  });

  it('the session cookie is HttpOnly, SameSite=Strict and scoped to the inbox', async () => {
    const response = await post(
      '/approvals/login',
      { origin: as.issuer },
      { username: 'bob', password: DEMO_USERS.bob as string },
    );
    const cookie = ([] as string[]).concat(response.headers['set-cookie'] ?? [])[0] ?? '';
    expect(cookie).toMatch(/^actiongate_inbox=[A-Za-z0-9_-]{43,};/);
    expect(cookie).toContain('; HttpOnly');
    expect(cookie).toContain('; SameSite=Strict');
    expect(cookie).toContain('; Path=/approvals;');
    expect(response.headers['x-frame-options']).toBe('DENY');
    // Another site's script cannot read the inbox (nor its CSRF token): no CORS grant.
    const cookieValue = cookie.split(';')[0] as string;
    const read = await raw(`${as.issuer}/approvals`, {
      headers: { cookie: cookieValue, origin: 'https://evil.example', accept: 'application/json' },
    });
    expect(read.headers['access-control-allow-origin']).toBeUndefined();
    expect(read.headers['access-control-allow-credentials']).toBeUndefined();
  });
});

describe('malformed and racing requests', () => {
  it('an oversized or non-form body, or a wrong method, is refused cleanly, never a 500', async () => {
    await cibaRequest('inv_2008');
    const { view, approval } = await pendingFor(alice, 'inv_2008');
    const at = `${as.issuer}/approvals/${approval?.id}`;
    const headers = { cookie: alice, origin: as.issuer };
    const big = `decision=approve&csrf=${view.csrf}&pad=${'x'.repeat(9000)}`;
    const cases: [Record<string, string>, string, string, number][] = [
      [{ 'content-type': 'application/x-www-form-urlencoded' }, 'POST', big, 413],
      [{ 'content-type': 'application/json' }, 'POST', JSON.stringify({ decision: 'approve', csrf: view.csrf }), 415],
      [{ 'content-type': 'application/x-www-form-urlencoded' }, 'PUT', `decision=approve&csrf=${view.csrf}`, 405],
      [{ 'content-type': 'application/x-www-form-urlencoded' }, 'POST', `decision=maybe&csrf=${view.csrf}`, 400],
    ];
    for (const [type, method, body, status] of cases) {
      expect((await raw(at, { method, headers: { ...headers, ...type }, body })).status).toBe(status);
    }
    expect((await raw(`${as.issuer}/approvals/${approval?.id}`, { headers })).status).toBe(405);
    expect((await pendingFor(alice, 'inv_2008')).approval?.id).toBe(approval?.id);
  });

  it('two decisions racing on one approval: exactly one applies', async () => {
    await cibaRequest('inv_2009');
    const { view, approval } = await pendingFor(alice, 'inv_2009');
    const answers = await Promise.all([
      decideAs(as.issuer, alice, view.csrf, approval?.id as string, 'approve'),
      decideAs(as.issuer, alice, view.csrf, approval?.id as string, 'deny'),
      decideAs(as.issuer, alice, view.csrf, approval?.id as string, 'approve'),
    ]);
    expect(answers.map((answer) => answer.status).sort()).toEqual([303, 404, 404]);
  });

  it('after sign-out the session decides nothing', async () => {
    const cookie = await signIn(as.issuer, 'alice', DEMO_USERS.alice as string);
    await cibaRequest('inv_2010');
    const { view, approval } = await pendingFor(cookie, 'inv_2010');
    expect((await post('/approvals/logout', { cookie, origin: as.issuer }, { csrf: view.csrf })).status).toBe(303);
    expect((await decideAs(as.issuer, cookie, view.csrf, approval?.id as string, 'approve')).status).toBe(401);
    expect((await pendingFor(alice, 'inv_2010')).approval?.id).toBe(approval?.id);
  });
});

describe('the happy path through the pages', () => {
  it('alice signs in, sees exactly what is asked, escaped, approves once, and the client gets the token', async () => {
    const hostile = 'inv_<img src=x onerror=alert(1)>';
    const authReqId = await cibaRequest(hostile);
    // As a browser would: the login form, then the inbox page, then the form on it.
    const login = await raw(`${as.issuer}/approvals/login`);
    expect(login.body).toContain('action="/approvals/login"');
    const cookie = await signIn(as.issuer, 'alice', DEMO_USERS.alice as string);
    await waitForApproval(as.issuer, cookie);
    const page = (await raw(`${as.issuer}/approvals`, { headers: { cookie } })).body;
    expect(page).not.toContain('<img');
    expect(page).toContain('POST /invoices/inv_&#60;img src=x onerror=alert(1)&#62;/refund');
    expect(page).toContain('<dt>client</dt><dd><code>invoice-app</code></dd>');
    expect(page).toContain(`<dt>resource</dt><dd><code>${audience}</code></dd>`);
    expect(page).toContain('<code>payments:refund</code>');
    expect(page).toContain('<dt>type</dt><dd><code>payment_refund</code></dd>');
    expect(page).toContain('<dt>actions</dt><dd><code>refund</code></dd>');
    expect(page).toContain('<dt>identifier</dt><dd><code>inv_&#60;img src=x onerror=alert(1)&#62;</code></dd>');

    const item = page.split('<li>').find((part) => part.includes('onerror')) as string;
    const id = /action="\/approvals\/([A-Za-z0-9_-]+)"/.exec(item)?.[1] as string;
    const csrf = /name="csrf" value="([^"]+)"/.exec(item)?.[1] as string;
    const approve = await post(
      `/approvals/${id}`,
      { cookie, referer: `${as.issuer}/approvals` },
      { decision: 'approve', csrf },
    );
    expect(approve.status).toBe(303);
    expect(approve.headers.location).toBe('/approvals');
    // Single shot: the same decision again, or the opposite one, finds nothing.
    expect((await post(`/approvals/${id}`, { cookie, origin: as.issuer }, { decision: 'deny', csrf })).status).toBe(
      404,
    );

    await new Promise((resolve) => setTimeout(resolve, 1000)); // the poll interval
    const { access_token: token } = await poll(authReqId);
    const claims = decodeJwt(token as string);
    expect(claims.sub).toBe('alice');
    expect(claims.scope).toBe('payments:refund');
    expect(claims.authorization_details).toEqual([
      { type: 'payment_refund', actions: ['refund'], identifier: hostile },
    ]);
    expect((await pendingFor(cookie, 'onerror')).approval).toBeUndefined();
  });
});

describe('a request that expired before the user decided', () => {
  it('is not decided: 404, no grant made, and the client is told the request expired', async () => {
    const short = await startAuthorizationServer({
      resources: { [audience]: invoiceScopes },
      clientSecret: secret,
      approvalTtl: 1,
    });
    try {
      const cookie = await signIn(short.issuer, 'alice', DEMO_USERS.alice as string);
      const { body, ...type } = form({
        ...clientAuth,
        login_hint: 'alice',
        scope: 'openid payments:refund',
        resource: audience,
        binding_message: 'POST /invoices/inv_2900/refund',
      });
      const requested = await raw(`${short.issuer}/backchannel`, { method: 'POST', headers: type, body });
      expect(requested.status).toBe(200);
      const authReqId = (JSON.parse(requested.body) as { auth_req_id: string }).auth_req_id;
      const view = await readInbox(short.issuer, cookie);
      const id = view.approvals[0]?.id as string;
      expect(id).toBeDefined();
      let decided = 0;
      short.inbox.events.on('decided', () => decided++);
      await new Promise((resolve) => setTimeout(resolve, 2200)); // past the 1 s to approve
      expect((await decideAs(short.issuer, cookie, view.csrf, id, 'approve')).status).toBe(404);
      expect(decided).toBe(0);
      const polled = form({ ...clientAuth, grant_type: 'urn:openid:params:grant-type:ciba', auth_req_id: authReqId });
      const { body: answer } = await raw(`${short.issuer}/token`, {
        method: 'POST',
        headers: { 'content-type': polled['content-type'] },
        body: polled.body,
      });
      expect(JSON.parse(answer)).toMatchObject({ error: 'expired_token' });
    } finally {
      await short.close();
    }
  });
});
