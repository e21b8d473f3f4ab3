/**
 * A guard that runs after something else already answered (a timeout middleware such as
 * connect-timeout answers 503 and lets the chain go on): writing the refusal then throws
 * ERR_HTTP_HEADERS_SENT inside an async middleware, which Express 4 does not catch. That must
 * reach the error path, never become an unhandled rejection (which ends a Node process).
 */
import { createGate, defineActions } from '@actiongate/core';
import express5, { type RequestHandler } from 'express';
import express4 from 'express4';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestIssuer, ISSUER, RESOURCE, type TestIssuer } from '../../core/test/tokens.js';
import { type Listening, listen } from '../test/serve.js';
import { actiongate, type ExpressAdapterOptions } from './index.js';

const actions = defineActions({ refund: { scopes: ['payments:refund'] } });
let issuer: TestIssuer;
let server: Listening | undefined;
beforeAll(async () => {
  issuer = await createTestIssuer();
});
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Answers at once and lets the chain continue, as connect-timeout does when its timer fires. */
const answeredEarly: RequestHandler = (_req, res, next) => {
  res.status(503).end('timed out');
  next();
};

describe.each([
  ['Express 5', () => express5()],
  ['Express 4', () => express4() as unknown as express5.Express],
])('%s: a refusal for a request already answered', (_, createApp) => {
  it.each<[string, ExpressAdapterOptions]>([
    ['respond', {}],
    ['a hook', { onRefusal: () => {} }],
  ])('with onRefusal %s: no unhandled rejection, the handler never runs', async (_name, options) => {
    const rejections: unknown[] = [];
    const record = (reason: unknown) => rejections.push(reason);
    process.on('unhandledRejection', record);
    let handled = 0;
    const errors: unknown[] = [];
    try {
      const gate = createGate({
        actions,
        resource: RESOURCE,
        realm: 'r',
        issuers: [{ issuer: ISSUER, jwks: issuer.jwks as never }],
      });
      const app = createApp();
      app.post('/refund', answeredEarly, actiongate(gate, options).requireAction('refund'), (_req, res) => {
        handled++;
        res.end();
      });
      app.use(((error, _req, _res, next) => {
        errors.push(error);
        next(error);
      }) as express5.ErrorRequestHandler);
      server = await listen();
      server.handle(app);
      const response = await fetch(`${server.origin}/refund`, { method: 'POST' });
      expect(response.status).toBe(503);
      await response.text();
      await new Promise((resolve) => setTimeout(resolve, 200)); // let a stray rejection surface
      expect(rejections).toEqual([]);
      expect(handled).toBe(0);
      expect(errors).toEqual([expect.objectContaining({ code: 'ERR_HTTP_HEADERS_SENT' })]);
    } finally {
      process.off('unhandledRejection', record);
    }
  });
});
