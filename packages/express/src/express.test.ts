import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type AuthInfo, createGate, defineActions, type GateOptions, UnknownActionError } from '@actiongate/core';
import express5, { type RequestHandler } from 'express';
import express4 from 'express4';
import request from 'supertest';
import { beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { sendRawAuthorization } from '../../core/test/http.js';
import { createTestIssuer, ISSUER, RESOURCE, type TestIssuer } from '../../core/test/tokens.js';
import { actiongate } from './index.js';

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

type ExpressFactory = () => express5.Express;
const versions: [string, ExpressFactory][] = [
  ['Express 5', () => express5()],
  ['Express 4', () => express4() as unknown as express5.Express],
];

describe.each(versions)('%s', (_, createApp) => {
  let handled = 0;

  function app(options: Partial<GateOptions<Name>> = {}, parser: 'form' | 'json' | 'none' = 'form') {
    const gate = createGate({
      actions,
      resource: RESOURCE,
      realm: 'r',
      issuers: [{ issuer: ISSUER, jwks: issuer.jwks as never }],
      ...options,
    });
    const { requireAction, metadata, getAuth } = actiongate(gate);
    const application = createApp();
    if (parser === 'form') application.use(express5.urlencoded({ extended: false }));
    if (parser === 'json') application.use(express5.json());
    application.use(metadata);
    application.get('/invoices', requireAction('read'), (req, res) => {
      handled++;
      const auth = getAuth(req);
      expectTypeOf(auth).toEqualTypeOf<AuthInfo<Name> | undefined>();
      res.json({ sub: auth?.claims.sub, action: auth?.action, scopes: [...(auth?.scopes ?? [])] });
    });
    application.post('/refund', requireAction('refund'), (req, res) => {
      handled++;
      res.json({ action: getAuth(req)?.action, issuer: getAuth(req)?.issuer });
    });
    return application;
  }

  it('attaches the AuthInfo (read with getAuth) and calls the handler when allowed', async () => {
    const token = await issuer.mint({ scope: 'invoices:read' });
    const reply = await request(app()).get('/invoices').set('authorization', `Bearer ${token}`);
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ sub: 'user-1', action: 'read', scopes: ['invoices:read'] });
    const refund = await request(app())
      .post('/refund')
      .set('authorization', `bearer  ${await issuer.mint({ scope: 'payments:refund' })}`);
    expect(refund.body).toEqual({ action: 'refund', issuer: ISSUER });
  });

  it('runs the handler in the same tick for a cached token, as a synchronous middleware would', async () => {
    const gate = createGate({ actions, resource: RESOURCE, issuers: [{ issuer: ISSUER, jwks: issuer.jwks as never }] });
    const { requireAction } = actiongate(gate);
    const application = createApp();
    application.get(
      '/invoices',
      (req, _res, next) => {
        // Set now, cleared by the first microtask: still set in the handler only if nothing waited.
        const marked = req as unknown as { sameTick: boolean };
        marked.sameTick = true;
        queueMicrotask(() => {
          marked.sameTick = false;
        });
        next();
      },
      requireAction('read'),
      (req, res) => res.json({ sameTick: (req as unknown as { sameTick: boolean }).sameTick }),
    );
    const token = await issuer.mint({ scope: 'invoices:read' });
    const first = await request(application).get('/invoices').set('authorization', `Bearer ${token}`);
    expect(first.body).toEqual({ sameTick: false }); // its signature was verified: that waits
    const again = await request(application).get('/invoices').set('authorization', `Bearer ${token}`);
    expect(again.body).toEqual({ sameTick: true });
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
      'Bearer a b',
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
    'refuses %s with the exact status, challenge and body, without running the handler',
    async (_, auth, status, header, body) => {
      handled = 0;
      const call = request(app()).post('/refund');
      const reply = await (auth === undefined ? call : call.set('authorization', auth));
      expect(reply.status).toBe(status);
      expect(reply.headers['www-authenticate']).toBe(header);
      expect(reply.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(reply.body).toEqual(body);
      expect(handled).toBe(0);
    },
  );

  it('refuses a token without the scope with 403 insufficient_scope naming it', async () => {
    const token = await issuer.mint({ scope: 'invoices:read' });
    const reply = await request(app()).post('/refund').set('authorization', `Bearer ${token}`);
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
    const unreachable = app({ issuers: [{ issuer: ISSUER, jwksUri: `http://127.0.0.1:${closedPort}/jwks` }] });
    const reply = await request(unreachable).get('/invoices').set('authorization', `Bearer ${token}`);
    expect(reply.status).toBe(503);
    expect(reply.headers['retry-after']).toBe('5');
    expect(reply.headers['www-authenticate']).toBeUndefined();
    expect(reply.body).toEqual({
      error_description: 'The keys to verify the access token are unavailable; retry later',
    });
    const buggy = app({
      scopes: () => {
        throw new Error('reader bug');
      },
    });
    const failed = await request(buggy).get('/invoices').set('authorization', `Bearer ${token}`);
    expect(failed.status).toBe(500);
    expect(failed.headers['www-authenticate']).toBeUndefined();
    expect(failed.headers['retry-after']).toBeUndefined();
    expect(failed.text).not.toContain('reader bug');
    expect(handled).toBe(0);
  });

  it('refuses a token in the query with 400', async () => {
    const token = await issuer.mint({ scope: 'invoices:read' });
    for (const query of [`access_token=${token}`, 'access_token=', 'access_token=a&access_token=b']) {
      const reply = await request(app()).get(`/invoices?${query}`).set('authorization', `Bearer ${token}`);
      expect(reply.status, query).toBe(400);
      expect(reply.headers['www-authenticate']).toBe(
        challenge('invalid_request', 'Access tokens are not accepted in the query string'),
      );
    }
    expect((await request(app()).get('/invoices?other=1').set('authorization', `Bearer ${token}`)).status).toBe(200);
  });

  it('refuses a token in a form or JSON body with 400 once a body parser ran', async () => {
    const token = await issuer.mint({ scope: 'payments:refund' });
    const form = await request(app()).post('/refund').type('form').send({ access_token: token });
    expect(form.status).toBe(400);
    expect(form.headers['www-authenticate']).toBe(
      challenge('invalid_request', 'Access tokens are not accepted in the request body'),
    );
    expect(form.body.error_description).toBe('Access tokens are not accepted in the request body');
    const json = await request(app({}, 'json')).post('/refund').send({ access_token: token });
    expect(json.status).toBe(400);
    // Without a body parser the body is never read: the request simply has no token.
    const unparsed = await request(app({}, 'none')).post('/refund').type('form').send({ access_token: token });
    expect(unparsed.status).toBe(401);
  });

  it('takes the query and form-body methods when enabled, a form body never with GET', async () => {
    const on = app({ tokenMethods: { query: true, body: true } });
    const read = await issuer.mint({ scope: 'invoices:read' });
    expect((await request(on).get(`/invoices?access_token=${read}`)).status).toBe(200);
    const refund = await issuer.mint({ scope: 'payments:refund' });
    expect((await request(on).post('/refund').type('form').send({ access_token: refund })).status).toBe(200);
    const json = await request(app({ tokenMethods: { body: true } }, 'json'))
      .post('/refund')
      .send({ access_token: refund });
    expect(json.status).toBe(400);
    const both = await request(on).post(`/refund?access_token=${refund}`).set('authorization', `Bearer ${refund}`);
    expect(both.status).toBe(400);
    expect(both.body.error_description).toBe('The request sends an access token by more than one method');
  });

  it('sees a repeated Authorization header', async () => {
    const token = await issuer.mint({ scope: 'invoices:read' });
    const listener = app() as unknown as RequestListener;
    const reply = await sendRawAuthorization(listener, '/invoices', [`Bearer ${token}`, `Bearer ${token}`]);
    expect(reply.status).toBe(400);
    expect(reply.headers['www-authenticate']).toBe(
      challenge('invalid_request', 'The request has more than one Authorization header'),
    );
    expect(JSON.parse(reply.body)).toEqual({
      error: 'invalid_request',
      error_description: 'The request has more than one Authorization header',
    });
    expect((await sendRawAuthorization(listener, '/invoices', [`Bearer ${token}`])).status).toBe(200);
  });

  it('serves the metadata document at its path, for GET and HEAD only', async () => {
    const gate = createGate({ actions, resource: RESOURCE, issuers: [{ issuer: ISSUER, jwks: issuer.jwks as never }] });
    const reply = await request(app()).get(gate.metadataPath);
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toMatch(/^application\/json/);
    expect(reply.body).toEqual(gate.metadata);
    const head = await request(app()).head(gate.metadataPath);
    expect(head.status).toBe(200);
    expect(head.headers['content-type']).toMatch(/^application\/json/);
    for (const method of ['post', 'put', 'delete'] as const) {
      expect((await request(app())[method](gate.metadataPath)).status, method).toBe(404);
    }
    expect((await request(app()).get(`${gate.metadataPath}/other`)).status).toBe(404);
  });

  it('serves the metadata of a resource with a path under the well-known segment (RFC 9728 §3.1)', async () => {
    const withPath = app({ resource: 'https://api.test/v1' });
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
    expect(() => actiongate({} as never)).toThrow(/option "gate"/);
    expect(() => actiongate(undefined as never)).toThrow(/option "gate"/);
  });

  it('types requireAction by the declared names', () => {
    const { requireAction, metadata } = actiongate(gate);
    expectTypeOf(requireAction).parameter(0).toEqualTypeOf<Name>();
    expectTypeOf(requireAction('read')).toEqualTypeOf<RequestHandler>();
    expectTypeOf(metadata).toEqualTypeOf<RequestHandler>();
    // @ts-expect-error: a name that differs only in case was never declared
    expect(() => requireAction('Read')).toThrow(UnknownActionError);
    expect(typeof requireAction('refund')).toBe('function');
  });
});
