import { type AuthInfo, createGate, defineActions, UnknownActionError } from '@actiongate/core';
import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import Koa3 from 'koa';
import Koa2 from 'koa2';
import request from 'supertest';
import { beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { statusWithRepeatedAuthorization } from '../../core/test/http.js';
import { createTestIssuer, ISSUER, RESOURCE, type TestIssuer } from '../../core/test/tokens.js';
import { actiongate } from './index.js';

const actions = defineActions({
  read: { scopes: ['invoices:read'] },
  refund: { scopes: ['payments:refund'] },
});
let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await createTestIssuer();
});

const versions: [string, () => Koa3][] = [
  ['Koa 3', () => new Koa3()],
  ['Koa 2', () => new Koa2() as unknown as Koa3],
];

describe.each(versions)('%s', (_, createApp) => {
  function server() {
    const gate = createGate({
      actions,
      resource: RESOURCE,
      realm: 'r',
      issuers: [{ issuer: ISSUER, jwks: issuer.jwks as never }],
    });
    const { requireAction, metadata } = actiongate(gate);
    const router = new Router();
    router.get('/invoices', requireAction('read'), (ctx) => {
      expectTypeOf(ctx.state.auth).toEqualTypeOf<AuthInfo<'read' | 'refund'>>();
      ctx.body = { sub: ctx.state.auth.claims.sub, action: ctx.state.auth.action };
    });
    router.post('/refund', requireAction('refund'), (ctx) => {
      ctx.body = { ok: true };
    });
    const app = createApp();
    app.use(bodyParser());
    app.use(metadata);
    app.use(router.routes());
    return app.callback();
  }

  it('sets ctx.state.auth and runs the route when allowed', async () => {
    const token = await issuer.mint({ scope: 'invoices:read' });
    const reply = await request(server()).get('/invoices').set('authorization', `Bearer ${token}`);
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ sub: 'user-1', action: 'read' });
  });

  it('ends a refused request with the status, the challenge and the JSON body', async () => {
    const reply = await request(server()).post('/refund');
    expect(reply.status).toBe(401);
    expect(reply.headers['www-authenticate']).toBe(
      'Bearer realm="r", resource_metadata="https://api.test/.well-known/oauth-protected-resource"',
    );
    expect(reply.headers['content-type']).toMatch(/^application\/json/);
    expect(reply.body).toEqual({ error_description: 'A bearer access token is required' });
  });

  it('refuses a token in the query or a form body with 400', async () => {
    const token = await issuer.mint({ scope: 'payments:refund' });
    expect((await request(server()).get(`/invoices?access_token=${token}`)).status).toBe(400);
    const form = await request(server()).post('/refund').type('form').send({ access_token: token });
    expect(form.status).toBe(400);
    expect(form.headers['www-authenticate']).toContain('error="invalid_request"');
  });

  it('sees a repeated Authorization header', async () => {
    const token = await issuer.mint({ scope: 'invoices:read' });
    expect(await statusWithRepeatedAuthorization(server(), '/invoices', token)).toBe(400);
  });

  it('serves the metadata document at its path, for GET and HEAD only', async () => {
    const reply = await request(server()).get('/.well-known/oauth-protected-resource');
    expect(reply.status).toBe(200);
    expect(reply.body.scopes_supported).toEqual(['invoices:read', 'payments:refund']);
    expect((await request(server()).head('/.well-known/oauth-protected-resource')).status).toBe(200);
    expect((await request(server()).post('/.well-known/oauth-protected-resource')).status).toBe(404);
  });
});

describe('actiongate(gate)', () => {
  it('throws for an undeclared action when the route is declared, and for a non-gate', () => {
    const gate = createGate({
      actions,
      resource: RESOURCE,
      issuers: [{ issuer: ISSUER, jwksUri: 'https://as.test/j' }],
    });
    const { requireAction } = actiongate(gate);
    // @ts-expect-error: only declared action names compile
    expect(() => requireAction('invoices.delete')).toThrow(UnknownActionError);
    expect(() => actiongate(null as never)).toThrow(/option "gate"/);
  });
});
