import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type AuthInfo, createGate, defineActions, type GateOptions, UnknownActionError } from '@actiongate/core';
import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import Koa3, { type Middleware } from 'koa';
import Koa2 from 'koa2';
import request from 'supertest';
import { beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { sendRawAuthorization } from '../../core/test/http.js';
import { createTestIssuer, ISSUER, RESOURCE, type TestIssuer } from '../../core/test/tokens.js';
import { type ActionGateState, actiongate } from './index.js';

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

const versions: [string, () => Koa3][] = [
  ['Koa 3', () => new Koa3()],
  ['Koa 2', () => new Koa2() as unknown as Koa3],
];

describe.each(versions)('%s', (_, createApp) => {
  let handled = 0;

  function server(options: Partial<GateOptions<Name>> = {}, parse = true) {
    const gate = createGate({
      actions,
      resource: RESOURCE,
      realm: 'r',
      issuers: [{ issuer: ISSUER, jwks: issuer.jwks as never }],
      ...options,
    });
    const { requireAction, metadata } = actiongate(gate);
    const router = new Router();
    router.get('/invoices/:id', requireAction('read'), (ctx) => {
      handled++;
      expectTypeOf(ctx.state.auth).toEqualTypeOf<AuthInfo<Name>>();
      const { auth } = ctx.state;
      ctx.body = { id: ctx.params.id, sub: auth.claims.sub, action: auth.action, scopes: [...auth.scopes] };
    });
    router.post('/refund', requireAction('refund'), (ctx) => {
      handled++;
      ctx.body = { action: ctx.state.auth.action, issuer: ctx.state.auth.issuer };
    });
    const app = createApp();
    app.silent = true;
    if (parse) app.use(bodyParser());
    app.use(metadata);
    app.use(router.routes());
    return app.callback();
  }

  it('sets ctx.state.auth and runs the route when allowed', async () => {
    const token = await issuer.mint({ scope: 'invoices:read' });
    const reply = await request(server()).get('/invoices/inv_1001').set('authorization', `Bearer ${token}`);
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ id: 'inv_1001', sub: 'user-1', action: 'read', scopes: ['invoices:read'] });
    const refund = await request(server())
      .post('/refund')
      .set('authorization', `BEARER ${await issuer.mint({ scope: 'payments:refund' })}`);
    expect(refund.body).toEqual({ action: 'refund', issuer: ISSUER });
  });

  it.each([
    [
      'no Authorization',
      undefined,
      401,
      `Bearer realm="r", ${RM}`,
      { error_description: 'A bearer access token is required' },
    ],
    [
      'Basic credentials',
      'Basic dXNlcjpwYXNz',
      401,
      `Bearer realm="r", ${RM}`,
      { error_description: 'A bearer access token is required' },
    ],
    [
      'a malformed Bearer header',
      'Bearer a,b',
      400,
      challenge('invalid_request', 'The Authorization header is not valid Bearer credentials'),
      { error: 'invalid_request', error_description: 'The Authorization header is not valid Bearer credentials' },
    ],
    [
      'a token that is not a JWT',
      'Bearer abc',
      401,
      challenge('invalid_token', 'The access token is not a well-formed signed JWT'),
      { error: 'invalid_token', error_description: 'The access token is not a well-formed signed JWT' },
    ],
  ])(
    'refuses %s with the exact status, challenge and body, without running the route',
    async (_, auth, status, header, body) => {
      handled = 0;
      const call = request(server()).post('/refund');
      const reply = await (auth === undefined ? call : call.set('authorization', auth));
      expect(reply.status).toBe(status);
      expect(reply.headers['www-authenticate']).toBe(header);
      expect(reply.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(reply.body).toEqual(body);
      expect(handled).toBe(0);
    },
  );

  it('runs the route in the same tick for a cached token: no promise of its own around next()', async () => {
    const gate = createGate({ actions, resource: RESOURCE, issuers: [{ issuer: ISSUER, jwks: issuer.jwks as never }] });
    const { requireAction } = actiongate(gate);
    const app = createApp();
    app.use((ctx, next) => {
      // Set now, cleared by the first microtask: still set in the route only if nothing waited.
      ctx.state.sameTick = true;
      queueMicrotask(() => {
        ctx.state.sameTick = false;
      });
      return next();
    });
    app.use(requireAction('read'));
    app.use((ctx) => {
      ctx.body = { sameTick: ctx.state.sameTick };
    });
    const token = await issuer.mint({ scope: 'invoices:read' });
    const first = await request(app.callback()).get('/invoices').set('authorization', `Bearer ${token}`);
    expect(first.body).toEqual({ sameTick: false }); // its signature was verified: that waits
    const again = await request(app.callback()).get('/invoices').set('authorization', `Bearer ${token}`);
    expect(again.body).toEqual({ sameTick: true });
  });

  it('refuses a token without the scope with 403 insufficient_scope naming it', async () => {
    const token = await issuer.mint({ scope: 'invoices:read' });
    const reply = await request(server()).post('/refund').set('authorization', `Bearer ${token}`);
    expect(reply.status).toBe(403);
    expect(reply.headers['www-authenticate']).toBe(
      `Bearer realm="r", error="insufficient_scope", scope="payments:refund", ${RM}, error_description="The access token lacks the scopes this action requires"`,
    );
    expect(reply.body).toEqual({
      error: 'insufficient_scope',
      error_description: 'The access token lacks the scopes this action requires',
    });
  });

  it('fails closed: 503 with Retry-After and no challenge when keys cannot be had, 500 on a bug', async () => {
    handled = 0;
    const token = await issuer.mint({ scope: 'invoices:read' });
    const unreachable = server({ issuers: [{ issuer: ISSUER, jwksUri: `http://127.0.0.1:${closedPort}/jwks` }] });
    const reply = await request(unreachable).get('/invoices/inv_1001').set('authorization', `Bearer ${token}`);
    expect(reply.status).toBe(503);
    expect(reply.headers['retry-after']).toBe('5');
    expect(reply.headers['www-authenticate']).toBeUndefined();
    expect(reply.body).toEqual({
      error_description: 'The keys to verify the access token are unavailable; retry later',
    });
    const buggy = server({
      scopes: () => {
        throw new Error('reader bug');
      },
    });
    const failed = await request(buggy).get('/invoices/inv_1001').set('authorization', `Bearer ${token}`);
    expect(failed.status).toBe(500);
    expect(failed.headers['www-authenticate']).toBeUndefined();
    expect(failed.headers['retry-after']).toBeUndefined();
    expect(failed.text).not.toContain('reader bug');
    expect(handled).toBe(0);
  });

  it('refuses a token in the query with 400', async () => {
    const token = await issuer.mint({ scope: 'invoices:read' });
    for (const query of [`access_token=${token}`, 'access_token=', 'access_token=a&access_token=b']) {
      const reply = await request(server()).get(`/invoices/inv_1001?${query}`).set('authorization', `Bearer ${token}`);
      expect(reply.status, query).toBe(400);
      expect(reply.headers['www-authenticate']).toBe(
        challenge('invalid_request', 'Access tokens are not accepted in the query string'),
      );
    }
    const other = await request(server()).get('/invoices/inv_1001?other=1').set('authorization', `Bearer ${token}`);
    expect(other.status).toBe(200);
  });

  it('refuses a token in a form or JSON body with 400 once the body parser ran', async () => {
    const token = await issuer.mint({ scope: 'payments:refund' });
    const form = await request(server()).post('/refund').type('form').send({ access_token: token });
    expect(form.status).toBe(400);
    expect(form.headers['www-authenticate']).toBe(
      challenge('invalid_request', 'Access tokens are not accepted in the request body'),
    );
    const json = await request(server()).post('/refund').send({ access_token: token });
    expect(json.status).toBe(400);
    // Without a body parser the body is never read: the request simply has no token.
    const unparsed = await request(server({}, false)).post('/refund').type('form').send({ access_token: token });
    expect(unparsed.status).toBe(401);
  });

  it('takes the query and form-body methods when enabled, never a JSON body', async () => {
    const on = server({ tokenMethods: { query: true, body: true } });
    const read = await issuer.mint({ scope: 'invoices:read' });
    expect((await request(on).get(`/invoices/inv_1001?access_token=${read}`)).status).toBe(200);
    const refund = await issuer.mint({ scope: 'payments:refund' });
    expect((await request(on).post('/refund').type('form').send({ access_token: refund })).status).toBe(200);
    expect((await request(on).post('/refund').send({ access_token: refund })).status).toBe(400);
    const both = await request(on).post(`/refund?access_token=${refund}`).set('authorization', `Bearer ${refund}`);
    expect(both.status).toBe(400);
    expect(both.body.error_description).toBe('The request sends an access token by more than one method');
  });

  it('sees a repeated Authorization header', async () => {
    const token = await issuer.mint({ scope: 'invoices:read' });
    const reply = await sendRawAuthorization(server(), '/invoices/inv_1001', [`Bearer ${token}`, 'Basic dXNlcjpwYXNz']);
    expect(reply.status).toBe(400);
    expect(reply.headers['www-authenticate']).toBe(
      challenge('invalid_request', 'The request has more than one Authorization header'),
    );
    expect(JSON.parse(reply.body).error_description).toBe('The request has more than one Authorization header');
    expect((await sendRawAuthorization(server(), '/invoices/inv_1001', [`Bearer ${token}`])).status).toBe(200);
  });

  it('serves the metadata document at its path, for GET and HEAD only', async () => {
    const gate = createGate({ actions, resource: RESOURCE, issuers: [{ issuer: ISSUER, jwks: issuer.jwks as never }] });
    const reply = await request(server()).get(gate.metadataPath);
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toMatch(/^application\/json/);
    expect(reply.body).toEqual(gate.metadata);
    expect(reply.body.scopes_supported).toEqual(['invoices:read', 'payments:refund']);
    const head = await request(server()).head(gate.metadataPath);
    expect(head.status).toBe(200);
    expect(head.headers['content-type']).toMatch(/^application\/json/);
    for (const method of ['post', 'put', 'delete'] as const) {
      expect((await request(server())[method](gate.metadataPath)).status, method).toBe(404);
    }
    expect((await request(server()).get(`${gate.metadataPath}/other`)).status).toBe(404);
  });

  it('serves the metadata of a resource with a path under the well-known segment (RFC 9728 §3.1)', async () => {
    const withPath = server({ resource: 'https://api.test/v1' });
    const reply = await request(withPath).get('/.well-known/oauth-protected-resource/v1');
    expect(reply.status).toBe(200);
    expect(reply.body.resource).toBe('https://api.test/v1');
    expect((await request(withPath).get('/.well-known/oauth-protected-resource')).status).toBe(404);
  });
});

describe('actiongate(gate)', () => {
  const gate = createGate({ actions, resource: RESOURCE, issuers: [{ issuer: ISSUER, jwksUri: 'https://as.test/j' }] });

  it('throws for an undeclared action when the route is declared, and for a non-gate', () => {
    const { requireAction } = actiongate(gate);
    // @ts-expect-error: only declared action names compile
    expect(() => requireAction('invoices.delete')).toThrow(UnknownActionError);
    expect(() => actiongate(null as never)).toThrow(/option "gate"/);
    expect(() => actiongate({ decide: () => undefined } as never)).toThrow(/option "gate"/);
  });

  it('types requireAction by the declared names and ctx.state.auth by them', () => {
    const { requireAction, metadata } = actiongate(gate);
    expectTypeOf(requireAction).parameter(0).toEqualTypeOf<Name>();
    expectTypeOf(requireAction('read')).toEqualTypeOf<Middleware<ActionGateState<Name>>>();
    expectTypeOf(metadata).toEqualTypeOf<Middleware>();
    // @ts-expect-error: a name that differs only in case was never declared
    expect(() => requireAction('Read')).toThrow(UnknownActionError);
    expect(typeof requireAction('refund')).toBe('function');
  });
});
