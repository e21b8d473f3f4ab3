import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type AuthInfo, createGate, defineActions, type GateOptions, UnknownActionError } from '@actiongate/core';
import formbody from '@fastify/formbody';
import type { FastifyReply, FastifyRequest } from 'fastify';
import request from 'supertest';
import { beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { sendRawAuthorization } from '../../core/test/http.js';
import { createTestIssuer, ISSUER, RESOURCE, type TestIssuer } from '../../core/test/tokens.js';
import { createTestApp } from '../test/listener.js';
import { type ActionGuard, actiongate } from './index.js';

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

// The same routes guarded both ways: by route config under the plugin, and by a preHandler hook.
describe.each(['config.action', 'preHandler'] as const)('guarded by %s', (style) => {
  let handled = 0;

  async function server(options: Partial<GateOptions<Name>> = {}, parseForms = true) {
    const gate = createGate({
      actions,
      resource: RESOURCE,
      realm: 'r',
      issuers: [{ issuer: ISSUER, jwks: issuer.jwks as never }],
      ...options,
    });
    const { plugin, requireAction, getAuthOrThrow } = actiongate(gate);
    const { app, listener } = createTestApp();
    if (parseForms) await app.register(formbody);
    await app.register(plugin);
    const guard = (action: Name) =>
      style === 'config.action' ? { config: { action } } : { preHandler: requireAction(action) };
    app.get<{ Params: { id: string } }>('/invoices/:id', guard('read'), async (req) => {
      handled++;
      const auth = getAuthOrThrow(req);
      expectTypeOf(auth).toEqualTypeOf<AuthInfo<Name>>();
      expectTypeOf(req.actionAuth).toEqualTypeOf<AuthInfo<string> | undefined>();
      return { id: req.params.id, sub: auth.claims.sub, action: auth.action, scopes: [...auth.scopes] };
    });
    app.post('/refund', guard('refund'), async (req) => {
      handled++;
      return { action: req.actionAuth?.action, issuer: req.actionAuth?.issuer };
    });
    return listener();
  }

  it('runs the route with the AuthInfo when allowed', async () => {
    const token = await issuer.mint({ scope: 'invoices:read' });
    const reply = await request(await server())
      .get('/invoices/inv_1001')
      .set('authorization', `Bearer ${token}`);
    expect(reply.status).toBe(200);
    expect(reply.headers['cache-control']).toBeUndefined();
    expect(reply.body).toEqual({ id: 'inv_1001', sub: 'user-1', action: 'read', scopes: ['invoices:read'] });
    const refund = await request(await server())
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
    'refuses %s with the exact status, challenge, cache-control and body, without running the route',
    async (_, auth, status, header, body) => {
      handled = 0;
      const call = request(await server()).post('/refund');
      const reply = await (auth === undefined ? call : call.set('authorization', auth));
      expect(reply.status).toBe(status);
      expect(reply.headers['www-authenticate']).toBe(header);
      expect(reply.headers['cache-control']).toBe('no-store');
      expect(reply.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(reply.text).toBe(JSON.stringify(body));
      expect(handled).toBe(0);
    },
  );

  it('runs the route in the same tick for a cached token', async () => {
    const gate = createGate({ actions, resource: RESOURCE, issuers: [{ issuer: ISSUER, jwks: issuer.jwks as never }] });
    const { plugin, requireAction } = actiongate(gate);
    const { app, listener } = createTestApp();
    await app.register(plugin);
    const ticks = new WeakMap<FastifyRequest, { same: boolean }>();
    app.addHook('onRequest', (req, _reply, done) => {
      // Set now, cleared by the first microtask: still set in the route only if nothing waited.
      const mark = { same: true };
      ticks.set(req, mark);
      queueMicrotask(() => {
        mark.same = false;
      });
      done();
    });
    const guard = style === 'config.action' ? { config: { action: 'read' } } : { preHandler: requireAction('read') };
    app.get('/x', guard, (req, reply) => {
      reply.send({ sameTick: ticks.get(req)?.same });
    });
    const token = await issuer.mint({ scope: 'invoices:read' });
    const first = await request(await listener())
      .get('/x')
      .set('authorization', `Bearer ${token}`);
    expect(first.body).toEqual({ sameTick: false });
    const again = await request(await listener())
      .get('/x')
      .set('authorization', `Bearer ${token}`);
    expect(again.body).toEqual({ sameTick: true });
  });

  it('guards the HEAD route Fastify derives from a GET route', async () => {
    const reply = await request(await server()).head('/invoices/inv_1001');
    expect(reply.status).toBe(401);
    expect(reply.headers['www-authenticate']).toBe(`Bearer realm="r", ${RM}`);
  });

  it('refuses a token without the scope with 403 insufficient_scope naming it', async () => {
    const token = await issuer.mint({ scope: 'invoices:read' });
    const reply = await request(await server())
      .post('/refund')
      .set('authorization', `Bearer ${token}`);
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
    const unreachable = await server({ issuers: [{ issuer: ISSUER, jwksUri: `http://127.0.0.1:${closedPort}/jwks` }] });
    const reply = await request(unreachable).get('/invoices/inv_1001').set('authorization', `Bearer ${token}`);
    expect(reply.status).toBe(503);
    expect(reply.headers['retry-after']).toBe('5');
    expect(reply.headers['www-authenticate']).toBeUndefined();
    expect(reply.headers['cache-control']).toBe('no-store');
    expect(reply.body).toEqual({
      error_description: 'The keys to verify the access token are unavailable; retry later',
    });
    const buggy = await server({
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

  it('refuses a token in the query with 400, repeated or empty, from the raw query string', async () => {
    const token = await issuer.mint({ scope: 'invoices:read' });
    const app = await server();
    for (const query of [
      `access_token=${token}`,
      'access_token=',
      'access_token=a&access_token=b',
      `access%5Ftoken=${token}`,
      `other=1&access_token=${token}`,
    ]) {
      const reply = await request(app).get(`/invoices/inv_1001?${query}`).set('authorization', `Bearer ${token}`);
      expect(reply.status, query).toBe(400);
      expect(reply.headers['www-authenticate']).toBe(
        challenge('invalid_request', 'Access tokens are not accepted in the query string'),
      );
    }
    const other = await request(app).get('/invoices/inv_1001?other=1').set('authorization', `Bearer ${token}`);
    expect(other.status).toBe(200);
  });

  it('refuses a token in a form or JSON body with 400 once parsed; without @fastify/formbody, 415', async () => {
    handled = 0;
    const token = await issuer.mint({ scope: 'payments:refund' });
    const form = await request(await server())
      .post('/refund')
      .type('form')
      .send({ access_token: token });
    expect(form.status).toBe(400);
    expect(form.headers['www-authenticate']).toBe(
      challenge('invalid_request', 'Access tokens are not accepted in the request body'),
    );
    const json = await request(await server())
      .post('/refund')
      .send({ access_token: token });
    expect(json.status).toBe(400);
    // Fastify parses no form without @fastify/formbody: the request has no token, and the guard says so first.
    const unparsed = await request(await server({}, false))
      .post('/refund')
      .type('form')
      .send({ access_token: token });
    expect(unparsed.status).toBe(401);
    expect(unparsed.headers['www-authenticate']).toBe(`Bearer realm="r", ${RM}`);
    // With a valid header, Fastify's own 415 stands: never the handler, never a 500.
    const typed = await request(await server({}, false))
      .post('/refund')
      .set('authorization', `Bearer ${token}`)
      .type('form')
      .send({ access_token: token });
    expect(typed.status).toBe(415);
    expect(handled).toBe(0);
  });

  it('takes the query and form-body methods when enabled, never a JSON body', async () => {
    const on = await server({ tokenMethods: { query: true, body: true } });
    const read = await issuer.mint({ scope: 'invoices:read' });
    expect((await request(on).get(`/invoices/inv_1001?access_token=${read}`)).status).toBe(200);
    const refund = await issuer.mint({ scope: 'payments:refund' });
    expect((await request(on).post('/refund').type('form').send({ access_token: refund })).status).toBe(200);
    expect(
      (
        await request(on)
          .post('/refund')
          .set('content-type', 'application/x-www-form-urlencoded; charset=utf-8')
          .send(`access_token=${refund}`)
      ).status,
    ).toBe(200);
    expect((await request(on).post('/refund').send({ access_token: refund })).status).toBe(400);
    const both = await request(on).post(`/refund?access_token=${refund}`).set('authorization', `Bearer ${refund}`);
    expect(both.status).toBe(400);
    expect(both.body.error_description).toBe('The request sends an access token by more than one method');
  });

  it('sees a repeated Authorization header', async () => {
    const token = await issuer.mint({ scope: 'invoices:read' });
    const app = await server();
    const reply = await sendRawAuthorization(app, '/invoices/inv_1001', [`Bearer ${token}`, 'Basic dXNlcjpwYXNz']);
    expect(reply.status).toBe(400);
    expect(reply.headers['www-authenticate']).toBe(
      challenge('invalid_request', 'The request has more than one Authorization header'),
    );
    expect(JSON.parse(reply.body).error_description).toBe('The request has more than one Authorization header');
    expect((await sendRawAuthorization(app, '/invoices/inv_1001', [`Bearer ${token}`])).status).toBe(200);
  });
});

describe('the metadata route', () => {
  async function server(resource = RESOURCE) {
    const gate = createGate({ actions, resource, issuers: [{ issuer: ISSUER, jwks: issuer.jwks as never }] });
    const { app, listener } = createTestApp();
    await app.register(actiongate(gate).plugin);
    return { gate, listener: await listener() };
  }

  it('serves the document at its path, for GET and HEAD only', async () => {
    const { gate, listener } = await server();
    const reply = await request(listener).get(gate.metadataPath);
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(reply.text).toBe(JSON.stringify(gate.metadata));
    expect(reply.body.scopes_supported).toEqual(['invoices:read', 'payments:refund']);
    const query = await request(listener).get(`${gate.metadataPath}?probe=1`);
    expect(query.status).toBe(200);
    const head = await request(listener).head(gate.metadataPath);
    expect(head.status).toBe(200);
    expect(head.headers['content-type']).toBe('application/json; charset=utf-8');
    for (const method of ['post', 'put', 'delete'] as const) {
      expect((await request(listener)[method](gate.metadataPath)).status, method).toBe(404);
    }
    expect((await request(listener).get(`${gate.metadataPath}/other`)).status).toBe(404);
    expect((await request(listener).get(`${gate.metadataPath}/`)).status).toBe(404);
  });

  it('serves the metadata of a resource with a path under the well-known segment (RFC 9728 §3.1)', async () => {
    const { listener } = await server('https://api.test/v1');
    const reply = await request(listener).get('/.well-known/oauth-protected-resource/v1');
    expect(reply.status).toBe(200);
    expect(reply.body.resource).toBe('https://api.test/v1');
    expect((await request(listener).get('/.well-known/oauth-protected-resource')).status).toBe(404);
  });

  it('serves a path with a colon literally, not as a route parameter', async () => {
    const { listener } = await server('https://api.test/v1:beta');
    const reply = await request(listener).get('/.well-known/oauth-protected-resource/v1:beta');
    expect(reply.status).toBe(200);
    expect(reply.body.resource).toBe('https://api.test/v1:beta');
    expect((await request(listener).get('/.well-known/oauth-protected-resource/v1:other')).status).toBe(404);
  });
});

describe('actiongate(gate)', () => {
  const gate = createGate({ actions, resource: RESOURCE, issuers: [{ issuer: ISSUER, jwksUri: 'https://as.test/j' }] });

  it('throws for an undeclared action given to requireAction, and for a non-gate or bad options', () => {
    const { requireAction } = actiongate(gate);
    // @ts-expect-error: only declared action names compile
    expect(() => requireAction('invoices.delete')).toThrow(UnknownActionError);
    expect(() => actiongate(null as never)).toThrow(/option "gate"/);
    expect(() => actiongate({ decide: () => undefined } as never)).toThrow(/option "gate"/);
    expect(() => actiongate(gate, { onRefusal: 'throw' as never })).toThrow(/option "onRefusal" must be/);
    expect(() => actiongate(gate, 'error' as never)).toThrow(/option "options"/);
  });

  it('types requireAction by the declared names, as a Fastify hook', () => {
    const { requireAction, getAuth } = actiongate(gate);
    expectTypeOf(requireAction).parameter(0).toEqualTypeOf<Name>();
    expectTypeOf(requireAction('read')).toEqualTypeOf<ActionGuard>();
    expectTypeOf(getAuth).returns.toEqualTypeOf<AuthInfo<Name> | undefined>();
    expectTypeOf<Parameters<ActionGuard>>().toMatchTypeOf<[FastifyRequest, FastifyReply, (error?: Error) => void]>();
    // @ts-expect-error: a name that differs only in case was never declared
    expect(() => requireAction('Read')).toThrow(UnknownActionError);
  });
});
