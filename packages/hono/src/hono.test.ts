import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  ActionRefusedError,
  type AuthInfo,
  createGate,
  defineActions,
  type GateOptions,
  UnknownActionError,
} from '@actiongate/core';
import { getRequestListener } from '@hono/node-server';
import { Hono, type MiddlewareHandler } from 'hono';
import { beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { sendRawAuthorization } from '../../core/test/http.js';
import { createTestIssuer, ISSUER, RESOURCE, type TestIssuer } from '../../core/test/tokens.js';
import { type ActionGateEnv, actiongate } from './index.js';

const actions = defineActions({
  read: { scopes: ['invoices:read'] },
  refund: { scopes: ['payments:refund'] },
});
type Name = 'read' | 'refund';
const RM = 'resource_metadata="https://api.test/.well-known/oauth-protected-resource"';
const challenge = (error: string, description: string) =>
  `Bearer realm="r", error="${error}", ${RM}, error_description="${description}"`;
let issuer: TestIssuer;
let closedPort: number;
beforeAll(async () => {
  issuer = await createTestIssuer();
  const closed = createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => closed.once('listening', resolve));
  closedPort = (closed.address() as AddressInfo).port;
  await new Promise((resolve) => closed.close(resolve));
});

let handled = 0;

function server(options: Partial<GateOptions<Name>> = {}) {
  const gate = createGate({
    actions,
    resource: RESOURCE,
    realm: 'r',
    issuers: [{ issuer: ISSUER, jwks: issuer.jwks as never }],
    ...options,
  });
  const { requireAction, metadata } = actiongate(gate);
  const app = new Hono();
  app.use(metadata);
  app.get('/invoices/:id', requireAction('read'), (c) => {
    handled++;
    expectTypeOf(c.get('auth')).toEqualTypeOf<AuthInfo<Name>>();
    const auth = c.get('auth');
    return c.json({ id: c.req.param('id'), sub: auth.claims.sub, action: auth.action, scopes: [...auth.scopes] });
  });
  app.post('/refund', requireAction('refund'), async (c) => {
    handled++;
    // The guard read the body from a clone: the handler still has it.
    const text = await c.req.text();
    return c.json({ action: c.var.auth.action, issuer: c.var.auth.issuer, body: text });
  });
  return app;
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

describe('hostile requests first', () => {
  it('a repeated Authorization, joined by Headers, is 400 authorization_repeated (app.request and a real Node server)', async () => {
    const token = await issuer.mint({ scope: 'invoices:read' });
    const headers = new Headers();
    headers.append('authorization', `Bearer ${token}`);
    headers.append('authorization', `Bearer ${token}`);
    handled = 0;
    const reply = await server().request('/invoices/inv_1', { headers });
    expect(reply.status).toBe(400);
    expect(reply.headers.get('www-authenticate')).toBe(
      challenge('invalid_request', 'The request has more than one Authorization header'),
    );
    const listener = getRequestListener(server().fetch);
    for (const values of [
      [`Bearer ${token}`, 'Basic dXNlcjpwYXNz'],
      ['Basic dXNlcjpwYXNz', `Bearer ${token}`],
      [`Bearer ${token}`, ''],
      ['', ''],
    ]) {
      const raw = await sendRawAuthorization(listener, '/invoices/inv_1', values);
      expect(raw.status, JSON.stringify(values)).toBe(400);
      expect(JSON.parse(raw.body).error_description).toBe('The request has more than one Authorization header');
    }
    // On Node the raw header list is read: one field holding ", " is malformed, not a repeat.
    const single = await sendRawAuthorization(listener, '/invoices/inv_1', [`Bearer ${token}, Bearer ${token}`]);
    expect(single.status).toBe(400);
    expect(JSON.parse(single.body).error_description).toBe('The Authorization header is not valid Bearer credentials');
    expect(handled).toBe(0);
    expect((await sendRawAuthorization(listener, '/invoices/inv_1', [`Bearer ${token}`])).status).toBe(200);
  });

  it('access_token in the query, once or twice, is 400', async () => {
    const token = await issuer.mint({ scope: 'invoices:read' });
    for (const query of [`access_token=${token}`, 'access_token=', 'access_token=a&access_token=b']) {
      const reply = await server().request(`/invoices/inv_1?${query}`, { headers: bearer(token) });
      expect(reply.status, query).toBe(400);
      expect(reply.headers.get('www-authenticate')).toBe(
        challenge('invalid_request', 'Access tokens are not accepted in the query string'),
      );
    }
    expect((await server().request('/invoices/inv_1?other=1', { headers: bearer(token) })).status).toBe(200);
  });

  it('a form or JSON body carrying access_token is 400, with or without a header; the handler never runs', async () => {
    const token = await issuer.mint({ scope: 'payments:refund' });
    handled = 0;
    for (const headers of [FORM, { ...FORM, ...bearer(token) }]) {
      const reply = await server().request('/refund', { method: 'POST', headers, body: `access_token=${token}` });
      expect(reply.status).toBe(400);
      expect(reply.headers.get('www-authenticate')).toBe(
        challenge('invalid_request', 'Access tokens are not accepted in the request body'),
      );
    }
    const json = await server().request('/refund', {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', ...bearer(token) },
      body: JSON.stringify({ access_token: token }),
    });
    expect(json.status).toBe(400);
    expect(handled).toBe(0);
  });

  it('a form body over maxBodyBytes is 413 and never reaches the handler; below it the handler reads it whole', async () => {
    const token = await issuer.mint({ scope: 'payments:refund' });
    const gate = createGate({ actions, resource: RESOURCE, issuers: [{ issuer: ISSUER, jwks: issuer.jwks as never }] });
    const { requireAction } = actiongate(gate, { maxBodyBytes: 64 });
    const app = new Hono().post('/refund', requireAction('refund'), async (c) => c.text(await c.req.text()));
    handled = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.enqueue(new TextEncoder().encode('a=bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb&'));
      },
    });
    const large = await app.request('/refund', {
      method: 'POST',
      headers: { ...FORM, ...bearer(token) },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(large.status).toBe(413);
    expect(large.headers.get('cache-control')).toBe('no-store');
    expect(await large.json()).toEqual({
      error: 'invalid_request',
      error_description: 'The request body is too large',
    });
    const small = await app.request('/refund', { method: 'POST', headers: { ...FORM, ...bearer(token) }, body: 'a=1' });
    expect(small.status).toBe(200);
    expect(await small.text()).toBe('a=1');
  });

  it('a body read before the guard is a 500 (the app’s bug), never an allow', async () => {
    const token = await issuer.mint({ scope: 'payments:refund' });
    const gate = createGate({ actions, resource: RESOURCE, issuers: [{ issuer: ISSUER, jwks: issuer.jwks as never }] });
    const { requireAction } = actiongate(gate);
    const app = new Hono();
    app.use(async (c, next) => {
      await c.req.raw.text();
      await next();
    });
    app.post('/refund', requireAction('refund'), (c) => c.text('handled'));
    app.onError((error, c) => c.json({ code: (error as { code?: string }).code }, 500));
    const reply = await app.request('/refund', { method: 'POST', headers: { ...FORM, ...bearer(token) }, body: 'a=1' });
    expect(reply.status).toBe(500);
    expect(await reply.json()).toEqual({ code: 'ERR_BODY_CONSUMED' });
  });
});

describe('the adapter', () => {
  it('sets c.get("auth") and runs the route when allowed', async () => {
    const token = await issuer.mint({ scope: 'invoices:read' });
    const reply = await server().request('/invoices/inv_1001', { headers: bearer(token) });
    expect(reply.status).toBe(200);
    expect(await reply.json()).toEqual({ id: 'inv_1001', sub: 'user-1', action: 'read', scopes: ['invoices:read'] });
    const refund = await server().request('/refund', {
      method: 'POST',
      headers: { authorization: `BEARER ${await issuer.mint({ scope: 'payments:refund' })}`, ...FORM },
      body: 'amount=1',
    });
    expect(await refund.json()).toEqual({ action: 'refund', issuer: ISSUER, body: 'amount=1' });
  });

  it.each([
    [
      'no Authorization',
      undefined,
      401,
      `Bearer realm="r", ${RM}`,
      '{"error_description":"A bearer access token is required"}',
    ],
    [
      'Basic credentials',
      'Basic dXNlcjpwYXNz',
      401,
      `Bearer realm="r", ${RM}`,
      '{"error_description":"A bearer access token is required"}',
    ],
    [
      'a malformed Bearer header',
      'Bearer a b',
      400,
      challenge('invalid_request', 'The Authorization header is not valid Bearer credentials'),
      '{"error":"invalid_request","error_description":"The Authorization header is not valid Bearer credentials"}',
    ],
    [
      'a token that is not a JWT',
      'Bearer abc',
      401,
      challenge('invalid_token', 'The access token is not a well-formed signed JWT'),
      '{"error":"invalid_token","error_description":"The access token is not a well-formed signed JWT"}',
    ],
  ])(
    'refuses %s with the exact status, headers and body, without running the route',
    async (_, auth, status, header, body) => {
      handled = 0;
      const reply = await server().request('/refund', {
        method: 'POST',
        headers: auth === undefined ? {} : { authorization: auth },
      });
      expect(reply.status).toBe(status);
      expect([...reply.headers]).toEqual([
        ['cache-control', 'no-store'],
        ['content-type', 'application/json'],
        ['www-authenticate', header],
      ]);
      expect(await reply.text()).toBe(body);
      expect(handled).toBe(0);
    },
  );

  it('runs the route in the same tick for a cached token, and never takes next()’s Context for a response', async () => {
    const gate = createGate({ actions, resource: RESOURCE, issuers: [{ issuer: ISSUER, jwks: issuer.jwks as never }] });
    const { requireAction } = actiongate(gate);
    const app = new Hono<{ Variables: { sameTick: boolean } }>();
    app.use(async (c, next) => {
      // Set now, cleared by the first microtask: still set in the route only if nothing waited.
      c.set('sameTick', true);
      queueMicrotask(() => c.set('sameTick', false));
      await next();
    });
    app.get('/x', requireAction('read'), (c) => c.json({ sameTick: c.get('sameTick') }));
    // A middleware after the guard that answers nothing: the route's 404, not a Context as a body.
    app.get('/y', requireAction('read'), async (_c, next) => {
      await next();
    });
    const token = await issuer.mint({ scope: 'invoices:read' });
    expect(await (await app.request('/x', { headers: bearer(token) })).json()).toEqual({ sameTick: false });
    expect(await (await app.request('/x', { headers: bearer(token) })).json()).toEqual({ sameTick: true });
    const unanswered = await app.request('/y', { headers: bearer(token) });
    expect(unanswered.status).toBe(404);
    expect(await unanswered.text()).toBe('404 Not Found');
  });

  it('refuses a token without the scope with 403 insufficient_scope naming it', async () => {
    const token = await issuer.mint({ scope: 'invoices:read' });
    const reply = await server().request('/refund', { method: 'POST', headers: bearer(token) });
    expect(reply.status).toBe(403);
    expect(reply.headers.get('www-authenticate')).toBe(
      `Bearer realm="r", error="insufficient_scope", scope="payments:refund", ${RM}, error_description="The access token lacks the scopes this action requires"`,
    );
    expect(await reply.json()).toEqual({
      error: 'insufficient_scope',
      error_description: 'The access token lacks the scopes this action requires',
    });
  });

  it('fails closed: 503 with Retry-After and no challenge when keys cannot be had, 500 on a bug', async () => {
    handled = 0;
    const token = await issuer.mint({ scope: 'invoices:read' });
    const unreachable = server({ issuers: [{ issuer: ISSUER, jwksUri: `http://127.0.0.1:${closedPort}/jwks` }] });
    const reply = await unreachable.request('/invoices/inv_1001', { headers: bearer(token) });
    expect(reply.status).toBe(503);
    expect(reply.headers.get('retry-after')).toBe('5');
    expect(reply.headers.get('www-authenticate')).toBeNull();
    expect(await reply.json()).toEqual({
      error_description: 'The keys to verify the access token are unavailable; retry later',
    });
    const buggy = server({
      scopes: () => {
        throw new Error('reader bug');
      },
    });
    const failed = await buggy.request('/invoices/inv_1001', { headers: bearer(token) });
    expect(failed.status).toBe(500);
    expect(failed.headers.get('www-authenticate')).toBeNull();
    expect(await failed.text()).not.toContain('reader bug');
    expect(handled).toBe(0);
  });

  it('takes the query and form-body methods when enabled, never a JSON body', async () => {
    const on = server({ tokenMethods: { query: true, body: true } });
    const read = await issuer.mint({ scope: 'invoices:read' });
    expect((await on.request(`/invoices/inv_1001?access_token=${read}`)).status).toBe(200);
    const refund = await issuer.mint({ scope: 'payments:refund' });
    const form = await on.request('/refund', { method: 'POST', headers: FORM, body: `access_token=${refund}` });
    expect(form.status).toBe(200);
    const json = await on.request('/refund', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ access_token: refund }),
    });
    expect(json.status).toBe(400);
    const both = await on.request(`/refund?access_token=${refund}`, { method: 'POST', headers: bearer(refund) });
    expect(both.status).toBe(400);
    expect(((await both.json()) as { error_description: string }).error_description).toBe(
      'The request sends an access token by more than one method',
    );
  });

  it('serves the metadata document at its path, for GET and HEAD only, whatever the routing', async () => {
    const gate = createGate({ actions, resource: RESOURCE, issuers: [{ issuer: ISSUER, jwks: issuer.jwks as never }] });
    const reply = await server().request(gate.metadataPath);
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toBe('application/json');
    expect(await reply.json()).toEqual(gate.metadata);
    const head = await server().request(gate.metadataPath, { method: 'HEAD' });
    expect(head.status).toBe(200);
    for (const method of ['POST', 'PUT', 'DELETE']) {
      expect((await server().request(gate.metadataPath, { method })).status, method).toBe(404);
    }
    expect((await server().request(`${gate.metadataPath}/other`)).status).toBe(404);
    // Under a sub-app mounted with app.route(), the document stays at the origin's root.
    const root = new Hono().route('/api', new Hono().use(actiongate(gate).metadata));
    expect((await root.request(gate.metadataPath)).status).toBe(404);
    const withPath = server({ resource: 'https://api.test/v1' });
    expect((await withPath.request('/.well-known/oauth-protected-resource/v1')).status).toBe(200);
    expect((await withPath.request('/.well-known/oauth-protected-resource')).status).toBe(404);
  });
});

describe('onRefusal', () => {
  const gateFor = () =>
    createGate({ actions, resource: RESOURCE, realm: 'r', issuers: [{ issuer: ISSUER, jwks: issuer.jwks as never }] });

  it("'error' throws ActionRefusedError for app.onError; Hono's default handler answers the refusal itself", async () => {
    const { requireAction } = actiongate(gateFor(), { onRefusal: 'error' });
    const bare = new Hono().get('/x', requireAction('read'), (c) => c.text('no'));
    const reply = await bare.request('/x');
    expect(reply.status).toBe(401);
    expect(reply.headers.get('www-authenticate')).toBe(`Bearer realm="r", ${RM}`);
    expect(await reply.json()).toEqual({ error_description: 'A bearer access token is required' });
    const seen: unknown[] = [];
    const handled = new Hono().get('/x', requireAction('read'), (c) => c.text('no'));
    handled.onError((error, c) => {
      seen.push(error);
      return c.json({ reason: (error as ActionRefusedError).reason }, (error as ActionRefusedError).status);
    });
    const shaped = await handled.request('/x', { headers: { authorization: 'Bearer a b' } });
    expect(shaped.status).toBe(400);
    expect(await shaped.json()).toEqual({ reason: 'authorization_malformed' });
    expect(seen[0]).toBeInstanceOf(ActionRefusedError);
  });

  it('a hook answers with its Response, or with the standard refusal when it returns nothing', async () => {
    const shaped = actiongate(gateFor(), {
      onRefusal: (refusal, c) =>
        c.json({ problem: refusal.code }, refusal.status, {
          'www-authenticate': refusal.headers['www-authenticate'] as string,
        }),
    });
    const app = new Hono().get('/x', shaped.requireAction('read'), (c) => c.text('no'));
    const reply = await app.request('/x');
    expect(reply.status).toBe(401);
    expect(reply.headers.get('www-authenticate')).toBe(`Bearer realm="r", ${RM}`);
    expect(await reply.json()).toEqual({ problem: 'token_missing' });
    let called = 0;
    const quiet = actiongate(gateFor(), {
      onRefusal: () => {
        called++;
        return undefined;
      },
    });
    const standard = await new Hono().get('/x', quiet.requireAction('read'), (c) => c.text('no')).request('/x');
    expect(called).toBe(1);
    expect(standard.status).toBe(401);
    expect(await standard.json()).toEqual({ error_description: 'A bearer access token is required' });
  });

  it('a hook that throws nothing usable still fails as an error', async () => {
    const thrower = actiongate(gateFor(), {
      onRefusal: () => {
        throw undefined;
      },
    });
    const app = new Hono().get('/x', thrower.requireAction('read'), (c) => c.text('no'));
    app.onError((error, c) => c.json({ code: (error as { code?: string }).code }, 500));
    const reply = await app.request('/x');
    expect(reply.status).toBe(500);
    expect(await reply.json()).toEqual({ code: 'ERR_REFUSAL_HOOK' });
  });
});

describe('actiongate(gate)', () => {
  const gate = createGate({ actions, resource: RESOURCE, issuers: [{ issuer: ISSUER, jwksUri: 'https://as.test/j' }] });

  it('throws for an undeclared action when the route is declared, and for bad options', () => {
    const { requireAction } = actiongate(gate);
    // @ts-expect-error: only declared action names compile
    expect(() => requireAction('invoices.delete')).toThrow(UnknownActionError);
    // @ts-expect-error: a name that differs only in case was never declared
    expect(() => requireAction('Read')).toThrow(UnknownActionError);
    expect(() => actiongate(null as never)).toThrow(/option "gate"/);
    expect(() => actiongate({ decide: () => undefined } as never)).toThrow(/option "gate"/);
    expect(() => actiongate(gate, { variable: '' as never })).toThrow(/option "variable"/);
    expect(() => actiongate(gate, { onRefusal: 'log' as never })).toThrow(/option "onRefusal"/);
    expect(() => actiongate(gate, { maxBodyBytes: 0 })).toThrow(/option "maxBodyBytes"/);
  });

  it('types requireAction by the declared names and the context variable by them, with no global declaration', () => {
    const { requireAction, metadata, getAuth, getAuthOrThrow } = actiongate(gate);
    expectTypeOf(requireAction).parameter(0).toEqualTypeOf<Name>();
    expectTypeOf(requireAction('read')).toEqualTypeOf<MiddlewareHandler<ActionGateEnv<Name>>>();
    expectTypeOf(metadata).toEqualTypeOf<MiddlewareHandler>();
    const renamed = actiongate(gate, { variable: 'principal' });
    new Hono().get('/x', renamed.requireAction('read'), (c) => {
      expectTypeOf(c.get('principal')).toEqualTypeOf<AuthInfo<Name>>();
      expectTypeOf(c.var.principal.action).toEqualTypeOf<Name>();
      expectTypeOf(getAuth(c)).toEqualTypeOf<AuthInfo<Name> | undefined>();
      expectTypeOf(getAuthOrThrow(c)).toEqualTypeOf<AuthInfo<Name>>();
      return c.text('ok');
    });
    const none = actiongate(gate, { variable: false });
    expectTypeOf(none.requireAction('read')).toEqualTypeOf<MiddlewareHandler<ActionGateEnv<Name, false>>>();
  });

  it('getAuth works whatever the variable; getAuthOrThrow refuses an unguarded route', async () => {
    const token = await issuer.mint({ scope: 'invoices:read' });
    const local = createGate({
      actions,
      resource: RESOURCE,
      issuers: [{ issuer: ISSUER, jwks: issuer.jwks as never }],
    });
    const { requireAction, getAuth, getAuthOrThrow } = actiongate(local, { variable: false });
    const app = new Hono<ActionGateEnv<Name, false>>();
    app.get('/x', requireAction('read'), (c) =>
      c.json({ action: getAuthOrThrow(c).action, variable: c.get('auth' as never) ?? null }),
    );
    app.get('/open', (c) =>
      c.json({
        auth: getAuth(c) ?? null,
        thrown: (() => {
          try {
            getAuthOrThrow(c);
            return null;
          } catch (error) {
            return (error as { code: string }).code;
          }
        })(),
      }),
    );
    expect(await (await app.request('/x', { headers: bearer(token) })).json()).toEqual({
      action: 'read',
      variable: null,
    });
    expect(await (await app.request('/open')).json()).toEqual({ auth: null, thrown: 'ERR_AUTH_MISSING' });
  });

  it('app.use() with ActionGateEnv types a guarded sub-tree', async () => {
    const token = await issuer.mint({ scope: 'invoices:read' });
    const local = createGate({
      actions,
      resource: RESOURCE,
      issuers: [{ issuer: ISSUER, jwks: issuer.jwks as never }],
    });
    const { requireAction } = actiongate(local);
    const app = new Hono<ActionGateEnv<Name>>();
    app.use('/invoices/*', requireAction('read'));
    app.get('/invoices/:id', (c) => c.json({ id: c.req.param('id'), action: c.get('auth').action }));
    const reply = await app.request('/invoices/inv_2', { headers: bearer(token) });
    expect(await reply.json()).toEqual({ id: 'inv_2', action: 'read' });
    expect((await app.request('/invoices/inv_2')).status).toBe(401);
  });
});
