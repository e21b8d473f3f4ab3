/**
 * Refusals handed to the app (`onRefusal: 'error'` or a hook), through real servers: the status
 * and the exact challenge survive, and the guarded handler never runs.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGate, defineActions, type GateOptions, type Refusal } from '@actiongate/core';
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTestIssuer, ISSUER, RESOURCE, type TestIssuer } from '../../core/test/tokens.js';
import { createTestApp } from '../test/listener.js';
import { ActionRefusedError, actiongate, type FastifyAdapterOptions, RefusalHookError } from './index.js';

const actions = defineActions({ refund: { scopes: ['payments:refund'] } });
const RM = 'resource_metadata="https://api.test/.well-known/oauth-protected-resource"';
const MISSING = `Bearer realm="r", ${RM}`;
const SCOPE = `Bearer realm="r", error="insufficient_scope", scope="payments:refund", ${RM}, error_description="The access token lacks the scopes this action requires"`;
let issuer: TestIssuer;
let closedPort: number;
beforeAll(async () => {
  issuer = await createTestIssuer();
  const closed = createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => closed.once('listening', resolve));
  closedPort = (closed.address() as AddressInfo).port;
  await new Promise((resolve) => closed.close(resolve));
});

describe.each(['config.action', 'preHandler'] as const)('refusals handed to the app, guarded by %s', (style) => {
  let handled = 0;

  async function start(
    options: FastifyAdapterOptions,
    errorHandler?: Parameters<ReturnType<typeof createTestApp>['app']['setErrorHandler']>[0],
    gateOptions: Partial<GateOptions<'refund'>> = {},
  ) {
    const gate = createGate({
      actions,
      resource: RESOURCE,
      realm: 'r',
      issuers: [{ issuer: ISSUER, jwks: issuer.jwks as never }],
      ...gateOptions,
    });
    const { plugin, requireAction } = actiongate(gate, options);
    const { app, listener } = createTestApp();
    if (errorHandler !== undefined) app.setErrorHandler(errorHandler);
    await app.register(plugin);
    const guard =
      style === 'config.action' ? { config: { action: 'refund' as const } } : { preHandler: requireAction('refund') };
    app.post('/refund', guard, async () => {
      handled++;
      return { refunded: true };
    });
    return listener();
  }
  const post = async (app: Awaited<ReturnType<typeof start>>, token?: string) => {
    const call = request(app).post('/refund');
    return token === undefined ? call : call.set('authorization', `Bearer ${token}`);
  };

  it("'error': Fastify's default handler answers with the status and the exact challenge", async () => {
    handled = 0;
    const app = await start({ onRefusal: 'error' });
    const missing = await post(app);
    expect(missing.status).toBe(401);
    expect(missing.headers['www-authenticate']).toBe(MISSING);
    expect(missing.body).toEqual({
      statusCode: 401,
      code: 'ERR_ACTION_REFUSED',
      error: 'Unauthorized',
      message: 'A bearer access token is required',
    });
    const scope = await post(app, await issuer.mint({ scope: 'invoices:read' }));
    expect(scope.status).toBe(403);
    expect(scope.headers['www-authenticate']).toBe(SCOPE);
    expect(handled).toBe(0);
    expect((await post(app, await issuer.mint({ scope: 'payments:refund' }))).status).toBe(200);
  });

  it("'error': the app's error handler gets a typed ActionRefusedError and shapes the body", async () => {
    handled = 0;
    const seen: ActionRefusedError[] = [];
    const app = await start({ onRefusal: 'error' }, (error, _request, reply) => {
      if (!(error instanceof ActionRefusedError)) return reply.send(error);
      seen.push(error);
      // The status and challenge are already set; the handler writes only its body.
      return reply
        .type('application/problem+json')
        .send(JSON.stringify({ type: 'about:blank', detail: error.message }));
    });
    const scope = await post(app, await issuer.mint({ scope: 'invoices:read' }));
    expect(scope.status).toBe(403);
    expect(scope.headers['www-authenticate']).toBe(SCOPE);
    expect(scope.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(scope.text)).toEqual({
      type: 'about:blank',
      detail: 'The access token lacks the scopes this action requires',
    });
    expect(seen[0]).toMatchObject({
      name: 'ActionRefusedError',
      code: 'ERR_ACTION_REFUSED',
      statusCode: 403,
      reason: 'scope_missing',
      headers: { 'www-authenticate': SCOPE },
    });
    expect(handled).toBe(0);
  });

  it("'error': a 503 keeps its Retry-After under Fastify's default handler", async () => {
    const app = await start({ onRefusal: 'error' }, undefined, {
      issuers: [{ issuer: ISSUER, jwksUri: `http://127.0.0.1:${closedPort}/jwks` }],
    });
    const reply = await post(app, await issuer.mint({ scope: 'payments:refund' }));
    expect(reply.status).toBe(503);
    expect(reply.headers['retry-after']).toBe('5');
    expect(reply.headers['www-authenticate']).toBeUndefined();
  });

  it('a hook shapes the body; the challenge it did not touch survives', async () => {
    handled = 0;
    const hooked: Refusal[] = [];
    const app = await start({
      onRefusal: (refusal, _request, reply) => {
        hooked.push(refusal);
        reply.send({ title: refusal.body.error_description, code: refusal.code });
      },
    });
    const missing = await post(app);
    expect(missing.status).toBe(401);
    expect(missing.headers['www-authenticate']).toBe(MISSING);
    expect(missing.body).toEqual({ title: 'A bearer access token is required', code: 'token_missing' });
    const scope = await post(app, await issuer.mint({ scope: 'invoices:read' }));
    expect(scope.status).toBe(403);
    expect(scope.headers['www-authenticate']).toBe(SCOPE);
    expect(hooked.map((refusal) => refusal.code)).toEqual(['token_missing', 'scope_missing']);
    expect(handled).toBe(0);
  });

  it('an async hook is awaited; one that sends nothing gets the standard refusal; one may replace the challenge', async () => {
    const app = await start({
      onRefusal: async (refusal, _request, reply) => {
        await new Promise((resolve) => setImmediate(resolve));
        if (refusal.code === 'scope_missing') reply.header('www-authenticate', 'Bearer realm="custom"');
      },
    });
    const missing = await post(app);
    expect(missing.status).toBe(401);
    expect(missing.headers['www-authenticate']).toBe(MISSING);
    expect(missing.body).toEqual({ error_description: 'A bearer access token is required' });
    const scope = await post(app, await issuer.mint({ scope: 'invoices:read' }));
    expect(scope.status).toBe(403);
    expect(scope.headers['www-authenticate']).toBe('Bearer realm="custom"');
  });

  it.each([
    ['throws undefined', undefined],
    ['throws null', null],
    ['throws an Error', new Error('hook bug')],
  ])('a hook that %s fails closed with 500; the guarded handler never runs', async (_, thrown) => {
    handled = 0;
    const errors: unknown[] = [];
    const app = await start(
      {
        onRefusal: async () => {
          throw thrown;
        },
      },
      (error, _request, reply) => {
        errors.push(error);
        return reply.code(500).send({ failed: true });
      },
    );
    const reply = await post(app);
    expect(reply.status).toBe(500);
    expect(reply.text).not.toContain('hook bug');
    expect(handled).toBe(0);
    expect(errors[0]).toBeInstanceOf(thrown instanceof Error ? Error : RefusalHookError);
  });
});
