/**
 * What an attacker sends to a guarded Fastify route: repeated or huge headers, bodies that do not
 * parse, are too large or of a type nobody parses, tokens in the query. Never a 500, never the
 * handler, and the guard answers first wherever it can.
 */
import { createGate, defineActions } from '@actiongate/core';
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { sendRaw } from '../../core/test/http.js';
import { createTestIssuer, ISSUER, RESOURCE, type TestIssuer } from '../../core/test/tokens.js';
import { createTestApp } from '../test/listener.js';
import { actiongate } from './index.js';

const actions = defineActions({ export: { scopes: ['invoices:export'] } });
const MISSING = 'Bearer resource_metadata="https://api.test/.well-known/oauth-protected-resource"';
let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await createTestIssuer();
});

describe.each(['config.action', 'preHandler'] as const)('hostile requests to a route guarded by %s', (style) => {
  let handled = 0;
  const routeErrors: string[] = [];

  async function server() {
    const gate = createGate({ actions, resource: RESOURCE, issuers: [{ issuer: ISSUER, jwks: issuer.jwks as never }] });
    const { plugin, requireAction } = actiongate(gate);
    const { app, listener } = createTestApp({ bodyLimit: 1024 });
    await app.register(plugin);
    app.post(
      '/export',
      {
        ...(style === 'config.action'
          ? { config: { action: 'export' as const } }
          : { preHandler: requireAction('export') }),
        // The route's own error handler still sees the body errors the guard let stand.
        errorHandler: (error, _request, reply) => {
          routeErrors.push((error as { code?: string }).code ?? 'none');
          return reply.send(error);
        },
      },
      async () => {
        handled++;
        return { exported: true };
      },
    );
    app.post(
      '/limited',
      {
        onRequest: async () => Promise.reject(Object.assign(new Error('slow down'), { statusCode: 429 })),
        config: { action: 'export' as const },
      },
      async () => ({ ran: true }),
    );
    return listener();
  }
  const bearer = async () => `Bearer ${await issuer.mint({ scope: 'invoices:export' })}`;

  it.each([
    ['JSON that does not parse', 'application/json', '{not json', 400],
    ['an empty JSON body', 'application/json', '', 400],
    ['a body over bodyLimit', 'application/json', JSON.stringify({ pad: 'x'.repeat(4096) }), 413],
    ['a type no parser takes', 'application/xml', '<access_token>abc</access_token>', 415],
    ['a malformed content type', 'nonsense', '{}', 415],
  ])(
    '%s: the guard answers first (401), then with a valid token Fastify’s own error, never the handler',
    async (_, type, body, status) => {
      handled = 0;
      routeErrors.length = 0;
      const app = await server();
      const anonymous = await request(app).post('/export').set('content-type', type).send(body);
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers['www-authenticate']).toBe(MISSING);
      expect(anonymous.headers['cache-control']).toBe('no-store');
      expect(anonymous.body).toEqual({ error_description: 'A bearer access token is required' });
      const bad = await request(app)
        .post('/export')
        .set('content-type', type)
        .set('authorization', 'Bearer a b')
        .send(body);
      expect(bad.status).toBe(400);
      expect(bad.body.error).toBe('invalid_request');
      const authorised = await request(app)
        .post('/export')
        .set('content-type', type)
        .set('authorization', await bearer())
        .send(body);
      expect(authorised.status).toBe(status);
      expect(authorised.headers['www-authenticate']).toBeUndefined();
      expect(authorised.body.code).toMatch(/^FST_ERR_CTP_/);
      expect(routeErrors).toEqual([authorised.body.code]);
      expect(handled).toBe(0);
    },
  );

  it('an error raised before the body (an onRequest hook) stays the app’s: no refusal in its place', async () => {
    const reply = await request(await server()).post('/limited');
    expect(reply.status).toBe(429);
    expect(reply.headers['www-authenticate']).toBeUndefined();
  });

  it('two Authorization fields and two DPoP fields are seen, though Node would keep one', async () => {
    handled = 0;
    const app = await server();
    const token = await bearer();
    const twice = await sendRaw(app, 'POST', '/export', [
      ['authorization', token],
      ['Authorization', token],
    ]);
    expect(twice.status).toBe(400);
    expect(JSON.parse(twice.body).error_description).toBe('The request has more than one Authorization header');
    expect(handled).toBe(0);
  });

  it('a header over Node’s limit is refused by the server (431) before any code runs', async () => {
    handled = 0;
    const reply = await sendRaw(await server(), 'POST', '/export', [['authorization', `Bearer ${'a'.repeat(20_000)}`]]);
    expect(reply.status).toBe(431);
    expect(handled).toBe(0);
  });

  it('a token in the query, even percent-encoded or repeated, is refused with 400', async () => {
    const app = await server();
    const token = await bearer();
    for (const query of ['access_token=x', 'access%5ftoken=x', 'access_token=x&access_token=y', 'a=1&access_token=']) {
      const reply = await request(app).post(`/export?${query}`).set('authorization', token);
      expect(reply.status, query).toBe(400);
      expect(reply.body.error_description, query).toBe('Access tokens are not accepted in the query string');
    }
  });

  it('an absolute-form request target is read by its path and query', async () => {
    const app = await server();
    const token = await bearer();
    const reply = await sendRaw(app, 'POST', 'http://api.test/export?access_token=x', [['authorization', token]]);
    expect(reply.status).toBe(400);
    expect(JSON.parse(reply.body).error_description).toBe('Access tokens are not accepted in the query string');
  });
});

describe('schema validation', () => {
  it('comes after the guard on a config.action route: no schema detail reaches a client without a token', async () => {
    const gate = createGate({ actions, resource: RESOURCE, issuers: [{ issuer: ISSUER, jwks: issuer.jwks as never }] });
    const { app, listener } = createTestApp();
    await app.register(actiongate(gate).plugin);
    app.post(
      '/export',
      {
        config: { action: 'export' },
        schema: { body: { type: 'object', required: ['format'], properties: { format: { type: 'string' } } } },
      },
      async () => ({ exported: true }),
    );
    const served = await listener();
    const anonymous = await request(served).post('/export').send({});
    expect(anonymous.status).toBe(401);
    expect(anonymous.text).not.toContain('format');
    const token = `Bearer ${await issuer.mint({ scope: 'invoices:export' })}`;
    const invalid = await request(served).post('/export').set('authorization', token).send({});
    expect(invalid.status).toBe(400);
    expect(invalid.body.code).toBe('FST_ERR_VALIDATION');
    expect((await request(served).post('/export').set('authorization', token).send({ format: 'csv' })).status).toBe(
      200,
    );
  });
});

describe('the preParsing mark that lets a body error meet the guard first', () => {
  async function app(getHasBody: boolean) {
    const gate = createGate({ actions, resource: RESOURCE, issuers: [{ issuer: ISSUER, jwks: issuer.jwks as never }] });
    const built = createTestApp();
    if (getHasBody) built.app.addHttpMethod('GET', { hasBody: true, overrideExisting: true });
    await built.app.register(actiongate(gate).plugin);
    const marks = new Map<string, number>();
    built.app.addHook('onRoute', (options) => {
      marks.set(`${options.method} ${options.url}`, [options.preParsing ?? []].flat().length);
    });
    built.app.get('/read', { config: { action: 'export' } }, async () => ({ ran: true }));
    built.app.post('/write', { config: { action: 'export' } }, async () => ({ ran: true }));
    return { marks, listener: built.listener };
  }

  it('is left off a route Fastify parses no body for (GET, HEAD): one hook fewer a request', async () => {
    const { marks } = await app(false);
    expect(marks.get('GET /read')).toBe(0);
    expect(marks.get('HEAD /read')).toBe(0);
    expect(marks.get('POST /write')).toBe(1);
  });

  it('is kept where addHttpMethod gave GET a body: a body that does not parse still meets the guard', async () => {
    const { marks, listener } = await app(true);
    expect(marks.get('GET /read')).toBe(1);
    const server = await listener();
    const refused = await request(server).get('/read').set('content-type', 'application/json').send('{not json');
    expect(refused.status).toBe(401);
    expect(refused.headers['www-authenticate']).toBe(MISSING);
    const token = `Bearer ${await issuer.mint({ scope: 'invoices:export' })}`;
    const parsed = await request(server)
      .get('/read')
      .set('authorization', token)
      .set('content-type', 'application/json')
      .send('{not json');
    expect(parsed.status).toBe(400);
    expect(parsed.body.ran).toBeUndefined();
  });
});
