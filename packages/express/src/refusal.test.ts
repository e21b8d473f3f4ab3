/**
 * Refusals handed to the app (`onRefusal: 'error'` or a hook), through real servers: the status
 * and the exact challenge survive, and the guarded handler never runs.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGate, defineActions, type GateOptions, type Refusal } from '@actiongate/core';
import express5, { type ErrorRequestHandler } from 'express';
import express4 from 'express4';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestIssuer, ISSUER, RESOURCE, type TestIssuer } from '../../core/test/tokens.js';
import { type Listening, listen } from '../test/serve.js';
import { ActionRefusedError, actiongate, type ExpressAdapterOptions } from './index.js';

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

const versions = [
  ['Express 5', () => express5()],
  ['Express 4', () => express4() as unknown as express5.Express],
] as const;

describe.each(versions)('%s: refusals handed to the app', (_, createApp) => {
  let handled = 0;

  async function start(
    options: ExpressAdapterOptions,
    errorHandler?: ErrorRequestHandler,
    gateOptions: Partial<GateOptions<'refund'>> = {},
  ): Promise<string> {
    const gate = createGate({
      actions,
      resource: RESOURCE,
      realm: 'r',
      issuers: [{ issuer: ISSUER, jwks: issuer.jwks as never }],
      ...gateOptions,
    });
    const app = createApp();
    app.post('/refund', actiongate(gate, options).requireAction('refund'), (_req, res) => {
      handled++;
      res.json({ refunded: true });
    });
    if (errorHandler !== undefined) app.use(errorHandler);
    server = await listen();
    server.handle(app);
    return server.origin;
  }
  const post = async (origin: string, token?: string) =>
    fetch(`${origin}/refund`, {
      method: 'POST',
      headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
    });

  it("'error': Express's own handler answers with the error's status and the exact challenge", async () => {
    handled = 0;
    const origin = await start({ onRefusal: 'error' });
    const missing = await post(origin);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe(MISSING);
    const scope = await post(origin, await issuer.mint({ scope: 'invoices:read' }));
    expect(scope.status).toBe(403);
    expect(scope.headers.get('www-authenticate')).toBe(SCOPE);
    expect(handled).toBe(0);
    const allowed = await post(origin, await issuer.mint({ scope: 'payments:refund' }));
    expect(allowed.status).toBe(200);
    expect(await allowed.json()).toEqual({ refunded: true });
  });

  it("'error': the app's error handler gets a typed ActionRefusedError and shapes the body", async () => {
    handled = 0;
    const seen: ActionRefusedError[] = [];
    const origin = await start({ onRefusal: 'error' }, (error, _req, res, next) => {
      if (!(error instanceof ActionRefusedError)) return next(error);
      seen.push(error);
      // The status and challenge are already on the response; the handler writes only its body.
      res.status(error.status).type('application/problem+json').send({ type: 'about:blank', detail: error.message });
    });
    const scope = await post(origin, await issuer.mint({ scope: 'invoices:read' }));
    expect(scope.status).toBe(403);
    expect(scope.headers.get('www-authenticate')).toBe(SCOPE);
    expect(scope.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
    expect(await scope.json()).toEqual({
      type: 'about:blank',
      detail: 'The access token lacks the scopes this action requires',
    });
    expect(seen).toHaveLength(1);
    const [error] = seen as [ActionRefusedError];
    expect(error).toMatchObject({
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

  it("'error': a 503 keeps its Retry-After and a 500 exposes nothing", async () => {
    const seen: ActionRefusedError[] = [];
    const origin = await start(
      { onRefusal: 'error' },
      (error: ActionRefusedError, _req, res, _next) => {
        seen.push(error);
        res.status(error.status).json({ reason: error.reason });
      },
      { issuers: [{ issuer: ISSUER, jwksUri: `http://127.0.0.1:${closedPort}/jwks` }] },
    );
    const reply = await post(origin, await issuer.mint({ scope: 'payments:refund' }));
    expect(reply.status).toBe(503);
    expect(reply.headers.get('retry-after')).toBe('5');
    expect(reply.headers.get('www-authenticate')).toBeNull();
    expect(await reply.json()).toEqual({ reason: 'keys_unavailable' });
    expect(seen[0]?.expose).toBe(false);
  });

  it('a hook shapes the response; the challenge it did not touch survives', async () => {
    handled = 0;
    const hooked: Refusal[] = [];
    const origin = await start({
      onRefusal: (refusal, _req, res) => {
        hooked.push(refusal);
        res.type('application/problem+json').send({ title: refusal.body.error_description, code: refusal.code });
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
    expect((await post(origin, await issuer.mint({ scope: 'payments:refund' }))).status).toBe(200);
  });

  it('an async hook is awaited; a hook that writes nothing gets the standard refusal', async () => {
    const origin = await start({
      onRefusal: async (refusal, _req, res) => {
        await new Promise((resolve) => setImmediate(resolve));
        if (refusal.code === 'scope_missing') res.json({ shaped: true });
      },
    });
    const scope = await post(origin, await issuer.mint({ scope: 'invoices:read' }));
    expect(scope.status).toBe(403);
    expect(scope.headers.get('www-authenticate')).toBe(SCOPE);
    expect(await scope.json()).toEqual({ shaped: true });
    const missing = await post(origin);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe(MISSING);
    expect(missing.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await missing.json()).toEqual({ error_description: 'A bearer access token is required' });
  });

  it('a hook may deliberately write its own challenge', async () => {
    const origin = await start({
      onRefusal: (refusal, _req, res) => {
        res.setHeader('www-authenticate', 'Bearer realm="custom"');
        if (refusal.code === 'token_missing') res.end();
      },
    });
    const missing = await post(origin);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer realm="custom"');
    expect(await missing.text()).toBe('');
    // Writing only the header still gets the standard status and body, with the hook's header.
    const scope = await post(origin, await issuer.mint({ scope: 'invoices:read' }));
    expect(scope.status).toBe(403);
    expect(scope.headers.get('www-authenticate')).toBe('Bearer realm="custom"');
    expect(await scope.json()).toEqual({
      error: 'insufficient_scope',
      error_description: 'The access token lacks the scopes this action requires',
    });
  });

  it.each([
    ['throws undefined', undefined],
    ['throws null', null],
    ["throws ''", ''],
    ['throws 0', 0],
    ["throws 'route'", 'route'],
    ["throws 'router'", 'router'],
  ])(
    'a hook that %s never lets the handler run: Express answers the error with the refusal status',
    async (_, thrown) => {
      handled = 0;
      const origin = await start({
        onRefusal: async () => {
          throw thrown;
        },
      });
      const response = await post(origin);
      expect(handled).toBe(0);
      // Express's final handler keeps the status already set when the error names none.
      expect(response.status).toBe(401);
      expect(await response.text()).not.toContain('refunded');
    },
  );

  it('a hook that throws or rejects reaches the error handler; the handler never runs', async () => {
    handled = 0;
    const seen: unknown[] = [];
    const origin = await start(
      {
        onRefusal: (refusal) => {
          if (refusal.code === 'token_missing') throw new Error('hook bug');
          return Promise.reject(new Error('async hook bug'));
        },
      },
      (error: Error, _req, res, _next) => {
        seen.push(error.message);
        res.status(500).json({ error: 'server_error' });
      },
    );
    expect((await post(origin)).status).toBe(500);
    expect((await post(origin, await issuer.mint({ scope: 'invoices:read' }))).status).toBe(500);
    expect(seen).toEqual(['hook bug', 'async hook bug']);
    expect(handled).toBe(0);
  });
});
