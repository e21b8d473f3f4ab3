/**
 * One benchmark server, chosen by KIND. Every kind serves the same JSON at GET /invoices,
 * guarded (or not) by its library with a check for the `invoices:read` scope, and reports its
 * heap at GET /__heap (after a full GC when run with --expose-gc).
 */
import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGate, defineActions } from '@actiongate/core';
import { actiongate as expressGate } from '@actiongate/express';
import { actiongate as koaGate } from '@actiongate/koa';
import Router from '@koa/router';
import express, { type RequestHandler } from 'express';
import { expressjwt } from 'express-jwt';
import { auth, requiredScopes } from 'express-oauth2-jwt-bearer';
import jwksRsa from 'jwks-rsa';
import Koa from 'koa';
import koaJwt from 'koa-jwt';

const { KIND = 'express-bare', JWKS_URI = '', ISSUER = '', AUDIENCE = '' } = process.env;
const BODY = JSON.stringify({ invoices: [{ id: 'inv_1001', customer: 'Acme Corp', amount: 150, currency: 'EUR' }] });

function heap(): string {
  (globalThis as { gc?: () => void }).gc?.();
  return JSON.stringify({ heapUsed: process.memoryUsage().heapUsed });
}

const actions = defineActions({ 'invoices.list': { scopes: ['invoices:read'] } });
const gate = (tokenCache: boolean) =>
  createGate({
    actions,
    resource: AUDIENCE,
    issuers: [{ issuer: ISSUER, jwksUri: JWKS_URI }],
    ...(tokenCache ? {} : { tokenCache: false as const }),
  });

const hasScope = (scope: unknown) => typeof scope === 'string' && scope.split(' ').includes('invoices:read');

function expressApp(guard: RequestHandler[]): RequestListener {
  const app = express();
  app.get('/__heap', (_req, res) => void res.type('json').send(heap()));
  app.get('/invoices', ...guard, (_req, res) => void res.type('json').send(BODY));
  return app;
}

function koaApp(guard: Koa.Middleware[]): RequestListener {
  const router = new Router();
  router.get('/__heap', (ctx) => {
    ctx.type = 'json';
    ctx.body = heap();
  });
  router.get('/invoices', ...(guard as never[]), (ctx) => {
    ctx.type = 'json';
    ctx.body = BODY;
  });
  return new Koa().use(router.routes()).callback();
}

const jwksSecret = { jwksUri: JWKS_URI, cache: true, rateLimit: false };

const kinds: Record<string, () => RequestListener> = {
  'express-bare': () => expressApp([]),
  'express-actiongate': () => expressApp([expressGate(gate(true)).requireAction('invoices.list')]),
  'express-actiongate-nocache': () => expressApp([expressGate(gate(false)).requireAction('invoices.list')]),
  'express-oauth2-jwt-bearer': () =>
    expressApp([
      auth({ issuer: ISSUER, audience: AUDIENCE, jwksUri: JWKS_URI, tokenSigningAlg: 'RS256' }),
      requiredScopes('invoices:read'),
    ]),
  'express-jwt': () =>
    expressApp([
      expressjwt({
        secret: jwksRsa.expressJwtSecret(jwksSecret) as never,
        audience: AUDIENCE,
        issuer: ISSUER,
        algorithms: ['RS256'],
      }),
      (req, res, next) =>
        hasScope((req as { auth?: { scope?: unknown } }).auth?.scope) ? next() : void res.sendStatus(403),
    ]),
  'koa-bare': () => koaApp([]),
  'koa-actiongate': () => koaApp([koaGate(gate(true)).requireAction('invoices.list') as Koa.Middleware]),
  'koa-jwt': () =>
    koaApp([
      koaJwt({
        secret: jwksRsa.koaJwtSecret(jwksSecret) as never,
        audience: AUDIENCE,
        issuer: ISSUER,
        algorithms: ['RS256'],
      }),
      async (ctx, next) => {
        if (hasScope(ctx.state.user?.scope)) await next();
        else ctx.status = 403;
      },
    ]),
};

// A clean exit on SIGTERM, so that --cpu-prof can write its profile.
process.once('SIGTERM', () => process.exit(0));

const build = kinds[KIND];
if (build === undefined) throw new Error(`unknown KIND ${KIND}; known: ${Object.keys(kinds).join(', ')}`);
const server = createServer(build()).listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  process.stdout.write(`listening on http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
});
