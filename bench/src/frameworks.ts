/**
 * Fastify and Hono apps for the benchmark, beside apps.ts (Express, Koa). The actiongate variant
 * needs `@actiongate/fastify` / `@actiongate/hono`; until those packages exist the builders
 * answer `undefined` for it and the tables say "adapter not available".
 */
import fastifyJwt from '@fastify/jwt';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import buildGetJwks from 'get-jwks';
import { Hono, type MiddlewareHandler } from 'hono';
import { jwk } from 'hono/jwk';
import {
  type AppConfig,
  AUTH,
  BODY,
  cpu,
  hasScope,
  heap,
  makeGate,
  NOOP_AUTH,
  noopDecide,
  type Variant,
} from './apps.js';

// Loaded by name so that this file compiles and runs before the adapters are merged.
async function adapter(name: string): Promise<Record<string, unknown> | undefined> {
  try {
    return (await import(name)) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

type PreHandler = (request: FastifyRequest, reply: FastifyReply) => Promise<unknown> | undefined;

/** A ready Fastify instance with the variant in front of /invoices, or undefined if unavailable. */
export async function fastifyApp(variant: Variant, config: AppConfig): Promise<FastifyInstance | undefined> {
  const app = Fastify();
  let preHandler: PreHandler | ((r: FastifyRequest, p: FastifyReply, done: () => void) => void) | undefined;
  let routeConfig: { config?: { action: string } } = {};
  if (variant === 'noop-facts') return undefined; // Express and Koa only
  if (variant === 'noop-sync') preHandler = (_request, _reply, done) => done();
  else if (variant === 'noop-shape') {
    // packages/fastify/src/plugin.ts and guard.ts, allowed: the same scope-wide preValidation hook,
    // the AuthInfo under the symbol and on the decorated request.actionAuth, done() in the same tick.
    app.decorateRequest('actionAuth', undefined);
    app.addHook('preValidation', (request: FastifyRequest, _reply: FastifyReply, done: () => void) => {
      (request as unknown as Record<symbol, unknown>)[AUTH] = NOOP_AUTH;
      (request as unknown as { actionAuth: unknown }).actionAuth = NOOP_AUTH;
      done();
    });
  } else if (variant === 'noop') {
    // The adapter's shape (packages/fastify/src/guard.ts): a callback-style hook around an async
    // decider, the AuthInfo on a decorated request property.
    app.decorateRequest('actionAuth', undefined);
    const decide = async (request: FastifyRequest) => {
      const decision = await noopDecide(request);
      (request as unknown as Record<symbol, unknown>)[AUTH] = decision.auth;
      (request as unknown as { actionAuth: unknown }).actionAuth = decision.auth;
      return true;
    };
    preHandler = function requireAction(request: FastifyRequest, _reply: FastifyReply, done: (error?: Error) => void) {
      decide(request).then(
        (allowed) => {
          if (allowed) done();
        },
        (error: Error) => done(error),
      );
    };
  } else if (variant === 'actiongate' || variant === 'actiongate-nocache') {
    const mod = await adapter('@actiongate/fastify');
    const bind = mod?.actiongate as
      | ((gate: unknown) => { plugin: never; requireAction(name: string): PreHandler })
      | undefined;
    if (bind === undefined) return undefined;
    const bound = bind(makeGate(config, variant === 'actiongate'));
    // The plugin decorates request.actionAuth (and serves the metadata route), as documented; the
    // route names its action in its config, the documented first way, guarded by the plugin's one
    // preValidation hook (a requireAction() preHandler as well would be a second hook a request).
    await app.register(bound.plugin);
    routeConfig = { config: { action: 'invoices.list' } };
  } else if (variant === 'peer') {
    const getJwks = buildGetJwks({ jwksPath: new URL(config.jwksUri).pathname });
    await app.register(fastifyJwt, {
      decode: { complete: true },
      secret: (_request: FastifyRequest, token: { header: { kid?: string; alg?: string } }) =>
        getJwks.getPublicKey({ kid: token.header.kid, alg: token.header.alg, domain: config.jwksBase }),
      verify: { allowedIss: config.issuer, allowedAud: config.audience, algorithms: ['RS256'] },
    } as never);
    preHandler = async (request: FastifyRequest, reply: FastifyReply) => {
      try {
        await request.jwtVerify();
      } catch {
        return reply.code(401).send();
      }
      if (!hasScope((request.user as { scope?: unknown }).scope)) return reply.code(403).send();
    };
  }
  app.get('/__heap', (_request, reply) => reply.type('application/json').send(heap()));
  app.get('/__cpu', (_request, reply) => reply.type('application/json').send(cpu()));
  app.get('/invoices', preHandler ? { preHandler: preHandler as never } : routeConfig, (_request, reply) =>
    reply.type('application/json').send(BODY),
  );
  await app.ready();
  return app;
}

const nothing = (): undefined => undefined;

/** A Hono app with the variant in front of /invoices, or undefined if unavailable. */
export async function honoApp(variant: Variant, config: AppConfig): Promise<Hono | undefined> {
  const app = new Hono();
  const json = { 'content-type': 'application/json' };
  let guard: MiddlewareHandler | undefined;
  // Hono has no synchronous middleware: `next()` returns a promise, so the cheapest is returning it.
  if (variant === 'noop-facts') return undefined; // Express and Koa only
  if (variant === 'noop-sync') guard = (_c, next) => next();
  else if (variant === 'noop-shape')
    // packages/hono/src/index.ts, allowed: the AuthInfo under the symbol and in c.get('auth'), and
    // next()'s promise without its value (compose would take a returned Context for a response).
    guard = (c, next) => {
      c.set(AUTH as never, NOOP_AUTH as never);
      c.set('auth' as never, NOOP_AUTH as never);
      return next().then(nothing);
    };
  else if (variant === 'noop')
    guard = async function requireAction(c, next) {
      const decision = await noopDecide(c);
      c.set(AUTH as never, decision.auth as never);
      c.set('auth' as never, decision.auth as never);
      await next();
    };
  else if (variant === 'actiongate' || variant === 'actiongate-nocache') {
    const mod = await adapter('@actiongate/hono');
    const bind = mod?.actiongate as ((gate: unknown) => { requireAction(name: string): MiddlewareHandler }) | undefined;
    if (bind === undefined) return undefined;
    guard = bind(makeGate(config, variant === 'actiongate')).requireAction('invoices.list');
  } else if (variant === 'peer') {
    // hono/jwk as documented: the key set from jwks_uri (it fetches it on every verification).
    const verify = jwk({
      jwks_uri: config.jwksUri,
      alg: ['RS256'],
      verification: { iss: config.issuer, aud: config.audience, typ: 'at+jwt' },
    } as never);
    guard = async (c, next) =>
      verify(c, async () => {
        if (hasScope((c.get('jwtPayload' as never) as { scope?: unknown }).scope)) await next();
        else c.status(403);
      });
  }
  app.get('/__heap', (c) => c.body(heap(), 200, json));
  app.get('/__cpu', (c) => c.body(cpu(), 200, json));
  if (guard) app.get('/invoices', guard, (c) => c.body(BODY, 200, json));
  else app.get('/invoices', (c) => c.body(BODY, 200, json));
  return app;
}
