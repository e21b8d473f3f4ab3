/**
 * The benchmark apps, shared by the in-process run (inprocess.ts) and the loopback servers
 * (server.ts). Every app serves the same JSON at GET /invoices, guarded by its variant:
 *
 * - `bare`: nothing in front of the handler;
 * - `noop`: a middleware of the same shape as the actiongate adapter's (same async-ness, same
 *   hook, an awaited async "decision" that always allows, the AuthInfo stored the same way),
 *   so that actiongate − noop is the adapter's and the core's own work;
 * - `noop-sync`: the cheapest middleware the framework allows (a plain synchronous `next()`),
 *   so that noop − noop-sync is the cost of the async shape itself;
 * - `noop-shape`: the adapter's exact shape for a cached token with nothing decided: synchronous,
 *   the same hook, a fixed AuthInfo stored where the adapter stores it (the same properties, so
 *   the request object gets the same hidden class), passing on as the adapter does; so that
 *   actiongate − noop-shape is the decision and the facts alone, the figure the goal uses;
 * - `noop-facts`: the noop, also building the adapter's request facts (Express, Koa): noop-facts − noop
 *   is what reading the request costs, actiongate − noop-facts what the gate's decision costs;
 * - `actiongate`: the adapter, token cache on (or off with `actiongate-nocache`);
 * - `peer`: the library users would pick instead, checking the same scope.
 *
 * Fastify and Hono adapters are loaded only when their packages are present (see frameworks.ts).
 */
import type { RequestListener } from 'node:http';
import { createGate, defineActions, type Gate } from '@actiongate/core';
import { requestFacts as expressFacts, actiongate as expressGate } from '@actiongate/express';
import { requestFacts as koaFacts, actiongate as koaGate } from '@actiongate/koa';
import Router from '@koa/router';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { auth, requiredScopes } from 'express-oauth2-jwt-bearer';
import jwksRsa from 'jwks-rsa';
import Koa from 'koa';
import koaJwt from 'koa-jwt';

export const BODY = JSON.stringify({
  invoices: [{ id: 'inv_1001', customer: 'Acme Corp', amount: 150, currency: 'EUR' }],
});
export const VARIANTS = [
  'bare',
  'noop-sync',
  'noop-shape',
  'noop',
  'noop-facts',
  'actiongate',
  'actiongate-nocache',
  'peer',
] as const;
export type Variant = (typeof VARIANTS)[number];

export interface AppConfig {
  readonly issuer: string;
  readonly audience: string;
  readonly jwksUri: string;
  /** Base URL of the JWKS server, for peers that derive the key set's address (get-jwks). */
  readonly jwksBase: string;
}

export function heap(): string {
  (globalThis as { gc?: () => void }).gc?.();
  return JSON.stringify({ heapUsed: process.memoryUsage().heapUsed });
}

export function cpu(): string {
  const { user, system } = process.cpuUsage();
  return JSON.stringify({ user, system });
}

export const actions = defineActions({ 'invoices.list': { scopes: ['invoices:read'] } });
export type BenchGate = Gate<'invoices.list'>;
export const makeGate = (config: AppConfig, tokenCache = true): BenchGate =>
  createGate({
    actions,
    resource: config.audience,
    issuers: [{ issuer: config.issuer, jwksUri: config.jwksUri }],
    ...(tokenCache ? {} : { tokenCache: false as const }),
  });

export const hasScope = (scope: unknown) => typeof scope === 'string' && scope.split(' ').includes('invoices:read');

// The noop's "decision": an async function, as gate.decide is, that always allows.
const ALLOW = Object.freeze({ allow: true as const, auth: Object.freeze({ subject: 'bench-user' }) });
export const noopDecide = async (_facts: unknown) => ALLOW;
/** The AuthInfo the `noop-shape` middlewares store, as an allowed decision's. */
export const NOOP_AUTH = ALLOW.auth;
export const AUTH = Symbol.for('actiongate.auth');

/** The adapter's shape (packages/express/src/index.ts) with nothing decided. */
function expressNoop(facts: boolean): RequestHandler {
  return async function requireAction(req: Request, _res: Response, next: NextFunction): Promise<void> {
    let decision: typeof ALLOW;
    try {
      decision = await noopDecide(facts ? expressFacts(req) : req);
    } catch (error) {
      return next(error);
    }
    (req as unknown as Record<symbol, unknown>)[AUTH] = decision.auth;
    next();
  };
}

/** A Node request listener for Express with the given variant in front of /invoices. */
export function expressApp(variant: Variant, config: AppConfig): RequestListener {
  const guard: RequestHandler[] = {
    bare: () => [],
    'noop-sync': () => [(_req: Request, _res: Response, next: NextFunction) => next()],
    // packages/express/src/index.ts, allowed: the AuthInfo under the symbol, then next().
    'noop-shape': () => [
      (req: Request, _res: Response, next: NextFunction) => {
        (req as unknown as Record<symbol, unknown>)[AUTH] = NOOP_AUTH;
        next();
      },
    ],
    noop: () => [expressNoop(false)],
    'noop-facts': () => [expressNoop(true)],
    actiongate: () => [expressGate(makeGate(config)).requireAction('invoices.list')],
    'actiongate-nocache': () => [expressGate(makeGate(config, false)).requireAction('invoices.list')],
    peer: () => [
      auth({ issuer: config.issuer, audience: config.audience, jwksUri: config.jwksUri, tokenSigningAlg: 'RS256' }),
      requiredScopes('invoices:read'),
    ],
  }[variant]();
  const app = express();
  app.get('/__heap', (_req, res) => void res.type('json').send(heap()));
  app.get('/__cpu', (_req, res) => void res.type('json').send(cpu()));
  app.get('/invoices', ...guard, (_req, res) => void res.type('json').send(BODY));
  return app as unknown as RequestListener;
}

/** The adapter's shape (packages/koa/src/index.ts) with nothing decided. */
function koaNoop(facts: boolean): Koa.Middleware {
  return async function requireAction(ctx, next) {
    const decision = await noopDecide(facts ? koaFacts(ctx) : ctx);
    (ctx as unknown as Record<symbol, unknown>)[AUTH] = decision.auth;
    ctx.state.auth = decision.auth;
    await next();
  };
}

/** A Koa app with the given variant in front of /invoices (routes by @koa/router). */
export function koaApp(variant: Variant, config: AppConfig): Koa {
  const jwksSecret = { jwksUri: config.jwksUri, cache: true, rateLimit: false };
  const guard: Koa.Middleware[] = {
    bare: () => [],
    'noop-sync': () => [(_ctx: Koa.Context, next: Koa.Next) => next()],
    // packages/koa/src/index.ts, allowed: the AuthInfo under the symbol and in ctx.state.auth,
    // then next()'s own promise.
    'noop-shape': () => [
      (ctx: Koa.Context, next: Koa.Next) => {
        (ctx as unknown as Record<symbol, unknown>)[AUTH] = NOOP_AUTH;
        ctx.state.auth = NOOP_AUTH;
        return next();
      },
    ],
    noop: () => [koaNoop(false)],
    'noop-facts': () => [koaNoop(true)],
    actiongate: () => [koaGate(makeGate(config)).requireAction('invoices.list') as Koa.Middleware],
    'actiongate-nocache': () => [koaGate(makeGate(config, false)).requireAction('invoices.list') as Koa.Middleware],
    peer: () => [
      koaJwt({
        secret: jwksRsa.koaJwtSecret(jwksSecret) as never,
        audience: config.audience,
        issuer: config.issuer,
        algorithms: ['RS256'],
      }),
      async (ctx: Koa.Context, next: Koa.Next) => {
        if (hasScope(ctx.state.user?.scope)) await next();
        else ctx.status = 403;
      },
    ],
  }[variant]();
  const router = new Router();
  router.get('/__heap', (ctx) => {
    ctx.type = 'json';
    ctx.body = heap();
  });
  router.get('/__cpu', (ctx) => {
    ctx.type = 'json';
    ctx.body = cpu();
  });
  router.get('/invoices', ...(guard as never[]), (ctx) => {
    ctx.type = 'json';
    ctx.body = BODY;
  });
  return new Koa().use(router.routes() as Koa.Middleware);
}
