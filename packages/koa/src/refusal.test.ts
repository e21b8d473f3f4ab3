/**
 * Refusals handed to the app (`onRefusal: 'error'` or a hook), through real servers: the status
 * and the exact challenge survive, and the guarded middleware never runs.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGate, defineActions, type GateOptions, type Refusal } from '@actiongate/core';
import Router from '@koa/router';
import Koa3, { type Middleware } from 'koa';
import Koa2 from 'koa2';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestIssuer, ISSUER, RESOURCE, type TestIssuer } from '../../core/test/tokens.js';
import { type Listening, listen } from '../../express/test/serve.js';
import { ActionRefusedError, actiongate, type KoaAdapterOptions } from './index.js';

const actions = defineActions({ refund: { scopes: ['payments:refund'] } });
const RM = 'resource_metadata="https://api.test/.well-known/oauth-protected-resource"';
const MISSING = `Bearer realm="r", ${RM}`;
const SCOPE = `Bearer realm="r", error="insufficient_scope", scope="payments:refund", ${RM}, error_description="The access token lacks the scopes this action requires"`;
let issuer: TestIssuer;
let server: Listening | undefined;
let closedPort: number;
beforeAll(async () => {
  issuer = await createTestIssuer();
  const closed = createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => closed.once('listening', resolve));
  closedPort = (closed.address() as AddressInfo).port;
  await new Promise((resolve) => closed.close(resolve));
});
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const versions: [string, () => Koa3][] = [
  ['Koa 3', () => new Koa3()],
  ['Koa 2', () => new Koa2() as unknown as Koa3],
];

describe.each(versions)('%s: refusals handed to the app', (_, createApp) => {
  let handled = 0;
  const logged: unknown[] = [];

  async function start(
    options: KoaAdapterOptions<'auth'>,
    errorHandler?: Middleware,
    gateOptions: Partial<GateOptions<'refund'>> = {},
  ): Promise<string> {
    const gate = createGate({
      actions,
      resource: RESOURCE,
      realm: 'r',
      issuers: [{ issuer: ISSUER, jwks: issuer.jwks as never }],
      ...gateOptions,
    });
    const router = new Router();
    router.post('/refund', actiongate(gate, options).requireAction('refund'), (ctx) => {
      handled++;
      ctx.body = { refunded: true };
    });
    const app = createApp();
    app.on('error', (error) => logged.push(error));
    if (errorHandler !== undefined) app.use(errorHandler);
    app.use(router.routes());
    server = await listen();
    server.handle(app.callback());
    return server.origin;
  }
  const post = async (origin: string, token?: string) =>
    fetch(`${origin}/refund`, {
      method: 'POST',
      headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
    });

  it("'error': Koa's own handler answers with the status and the exact challenge, logging nothing", async () => {
    handled = 0;
    logged.length = 0;
    const origin = await start({ onRefusal: 'error' });
    const missing = await post(origin);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe(MISSING);
    expect(await missing.text()).toBe('A bearer access token is required');
    const scope = await post(origin, await issuer.mint({ scope: 'invoices:read' }));
    expect(scope.status).toBe(403);
    expect(scope.headers.get('www-authenticate')).toBe(SCOPE);
    expect(handled).toBe(0);
    expect((await post(origin, await issuer.mint({ scope: 'payments:refund' }))).status).toBe(200);
    // Koa emits every thrown error; an exposed client error is not a server fault to log.
    expect(logged.every((error) => (error as ActionRefusedError).expose)).toBe(true);
  });

  it("'error': the app's error middleware catches a typed ActionRefusedError and shapes the body", async () => {
    handled = 0;
    const seen: ActionRefusedError[] = [];
    const origin = await start({ onRefusal: 'error' }, async (ctx, next) => {
      try {
        await next();
      } catch (error) {
        if (!(error instanceof ActionRefusedError)) throw error;
        seen.push(error);
        // The status and challenge are already set; the middleware writes only its body.
        ctx.type = 'application/problem+json';
        ctx.body = JSON.stringify({ type: 'about:blank', detail: error.message });
      }
    });
    const scope = await post(origin, await issuer.mint({ scope: 'invoices:read' }));
    expect(scope.status).toBe(403);
    expect(scope.headers.get('www-authenticate')).toBe(SCOPE);
    expect(scope.headers.get('content-type')).toBe('application/problem+json');
    expect(await scope.json()).toEqual({
      type: 'about:blank',
      detail: 'The access token lacks the scopes this action requires',
    });
    expect(seen[0]).toMatchObject({
      name: 'ActionRefusedError',
      code: 'ERR_ACTION_REFUSED',
      status: 403,
      statusCode: 403,
      reason: 'scope_missing',
      expose: true,
      headers: { 'www-authenticate': SCOPE },
      body: {
        error: 'insufficient_scope',
        error_description: 'The access token lacks the scopes this action requires',
      },
    });
    expect(handled).toBe(0);
  });

  it("'error': a 503 keeps its Retry-After under Koa's own handler", async () => {
    const origin = await start({ onRefusal: 'error' }, undefined, {
      issuers: [{ issuer: ISSUER, jwksUri: `http://127.0.0.1:${closedPort}/jwks` }],
    });
    const reply = await post(origin, await issuer.mint({ scope: 'payments:refund' }));
    expect(reply.status).toBe(503);
    expect(reply.headers.get('retry-after')).toBe('5');
    expect(reply.headers.get('www-authenticate')).toBeNull();
    expect(await reply.text()).toBe('Service Unavailable');
  });

  it('a hook shapes the body; the challenge it did not touch survives', async () => {
    handled = 0;
    const hooked: Refusal[] = [];
    const origin = await start({
      onRefusal: (refusal, ctx) => {
        hooked.push(refusal);
        ctx.body = { title: refusal.body.error_description, code: refusal.code };
      },
    });
    const missing = await post(origin);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe(MISSING);
    expect(await missing.json()).toEqual({ title: 'A bearer access token is required', code: 'token_missing' });
    const scope = await post(origin, await issuer.mint({ scope: 'invoices:read' }));
    expect(scope.status).toBe(403);
    expect(scope.headers.get('www-authenticate')).toBe(SCOPE);
    expect(hooked.map((refusal) => refusal.code)).toEqual(['token_missing', 'scope_missing']);
    expect(handled).toBe(0);
  });

  it('an async hook is awaited; one that sets no body gets the standard refusal; one may replace the challenge', async () => {
    const origin = await start({
      onRefusal: async (refusal, ctx) => {
        await new Promise((resolve) => setImmediate(resolve));
        if (refusal.code === 'scope_missing') ctx.set('www-authenticate', 'Bearer realm="custom"');
      },
    });
    const missing = await post(origin);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe(MISSING);
    expect(await missing.json()).toEqual({ error_description: 'A bearer access token is required' });
    const scope = await post(origin, await issuer.mint({ scope: 'invoices:read' }));
    expect(scope.status).toBe(403);
    expect(scope.headers.get('www-authenticate')).toBe('Bearer realm="custom"');
  });

  it.each([
    ['throws undefined', undefined],
    ['throws null', null],
  ])('a hook that %s gets an answer, never a hang, and the guarded middleware never runs', async (_, thrown) => {
    handled = 0;
    const origin = await start({
      onRefusal: async () => {
        throw thrown;
      },
    });
    // Bounded by the test: Koa's onerror ignores a null or undefined error and never answers.
    const response = await fetch(`${origin}/refund`, { method: 'POST', signal: AbortSignal.timeout(10_000) });
    expect(handled).toBe(0);
    expect(response.status).toBe(500);
  });

  it('a hook that throws fails closed with 500; the guarded middleware never runs', async () => {
    handled = 0;
    const origin = await start({
      onRefusal: () => {
        throw new Error('hook bug');
      },
    });
    const reply = await post(origin);
    expect(reply.status).toBe(500);
    expect(await reply.text()).toBe('Internal Server Error');
    expect(handled).toBe(0);
  });
});
