import type { RequestListener } from 'node:http';
import { createGate, defineActions, UnknownActionError } from '@actiongate/core';
import express5 from 'express';
import express4 from 'express4';
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

type ExpressFactory = () => express5.Express;
const versions: [string, ExpressFactory][] = [
  ['Express 5', () => express5()],
  ['Express 4', () => express4() as unknown as express5.Express],
];

describe.each(versions)('%s', (_, createApp) => {
  function app() {
    const gate = createGate({
      actions,
      resource: RESOURCE,
      realm: 'r',
      issuers: [{ issuer: ISSUER, jwks: issuer.jwks as never }],
    });
    const { requireAction, metadata } = actiongate(gate);
    const application = createApp();
    application.use(express5.urlencoded({ extended: false }));
    application.use(metadata);
    application.get('/invoices', requireAction('read'), (req, res) => {
      expectTypeOf(req.auth).toEqualTypeOf<import('@actiongate/core').AuthInfo | undefined>();
      res.json({ sub: req.auth?.claims.sub, action: req.auth?.action, scopes: [...(req.auth?.scopes ?? [])] });
    });
    application.post('/refund', requireAction('refund'), (_req, res) => {
      res.json({ ok: true });
    });
    return application;
  }

  it('sets req.auth and calls the handler when allowed', async () => {
    const token = await issuer.mint({ scope: 'invoices:read' });
    const reply = await request(app()).get('/invoices').set('authorization', `Bearer ${token}`);
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ sub: 'user-1', action: 'read', scopes: ['invoices:read'] });
  });

  it('ends a refused request with the status, the challenge and the JSON body', async () => {
    const token = await issuer.mint({ scope: 'invoices:read' });
    const reply = await request(app()).post('/refund').set('authorization', `Bearer ${token}`);
    expect(reply.status).toBe(403);
    expect(reply.headers['www-authenticate']).toBe(
      'Bearer realm="r", error="insufficient_scope", scope="payments:refund", resource_metadata="https://api.test/.well-known/oauth-protected-resource", error_description="The access token lacks the scopes this action requires"',
    );
    expect(reply.headers['content-type']).toMatch(/^application\/json/);
    expect(reply.body).toEqual({
      error: 'insufficient_scope',
      error_description: 'The access token lacks the scopes this action requires',
    });
  });

  it('refuses a token in the query or a form body with 400', async () => {
    const token = await issuer.mint({ scope: 'payments:refund' });
    expect((await request(app()).get(`/invoices?access_token=${token}`)).status).toBe(400);
    const form = await request(app()).post('/refund').type('form').send({ access_token: token });
    expect(form.status).toBe(400);
    expect(form.body.error_description).toBe('Access tokens are not accepted in the request body');
  });

  it('sees a repeated Authorization header', async () => {
    const token = await issuer.mint({ scope: 'invoices:read' });
    expect(await statusWithRepeatedAuthorization(app() as unknown as RequestListener, '/invoices', token)).toBe(400);
  });

  it('serves the metadata document at its path, for GET and HEAD only', async () => {
    const reply = await request(app()).get('/.well-known/oauth-protected-resource');
    expect(reply.status).toBe(200);
    expect(reply.body.resource).toBe(RESOURCE);
    expect((await request(app()).head('/.well-known/oauth-protected-resource')).status).toBe(200);
    expect((await request(app()).post('/.well-known/oauth-protected-resource')).status).toBe(404);
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
    expect(() => actiongate({} as never)).toThrow(/option "gate"/);
  });
});
