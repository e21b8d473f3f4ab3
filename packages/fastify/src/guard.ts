/**
 * The guard: a Fastify hook that asks the gate about one action, writes a refusal or attaches the
 * `AuthInfo`, and the marks that let a route's error handler answer a body error with the guard's
 * refusal first (a body that does not parse, is too large or has an unsupported type is otherwise
 * answered before the guard could run).
 */
import { type Decision, type Gate, type PreparedAction, RefusalHookError } from '@actiongate/core';
import type { FastifyError, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { AUTH, type AuthCarrier } from './auth.js';
import { requestFacts } from './facts.js';
import { handOver, type RefusalHook, sendRefusal } from './refusal.js';

/**
 * A hook (`onRequest`, `preValidation` or `preHandler`) that lets a request through only when its
 * token allows one action. In the callback style: a refused request never calls `done`, so
 * nothing after the guard runs, whatever happens to the reply.
 */
export type ActionGuard = (
  request: FastifyRequest,
  reply: FastifyReply,
  done: (error?: FastifyError | Error) => void,
) => void;

/**
 * Decides and writes a refusal; `true` only when the request is allowed. Answered as it is for a
 * cached token's request (no promise), a promise of it otherwise.
 */
export type Decider = (request: FastifyRequest, reply: FastifyReply) => boolean | Promise<boolean>;

/**
 * On every guard function: its decider, so that the plugin recognises `requireAction()` among a
 * route's hooks. Registered symbols, like the marks on a request: the ESM and CommonJS copies of
 * this package agree on them.
 */
export const GUARD: unique symbol = Symbol.for('actiongate.fastify.guard');
const DECIDED: unique symbol = Symbol.for('actiongate.fastify.decided');
const PARSING: unique symbol = Symbol.for('actiongate.fastify.parsing');

interface Marks {
  [DECIDED]?: true;
  [PARSING]?: true;
}

export interface GuardSettings {
  readonly onRefusal: 'respond' | 'error' | RefusalHook;
}

export function createDecider<N extends string>(
  gate: Gate<N>,
  prepared: PreparedAction<N>,
  settings: GuardSettings,
): Decider {
  const { onRefusal } = settings;

  function settle(decision: Decision<N>, request: FastifyRequest, reply: FastifyReply): boolean | Promise<boolean> {
    if (!decision.allow) {
      if (onRefusal === 'respond') {
        sendRefusal(reply, decision);
        return false;
      }
      return handOver(decision, request, reply, onRefusal).then(() => false);
    }
    // RFC 9449 §9: a fresh DPoP nonce travels with the handler's answer.
    if (decision.headers !== undefined)
      for (const name in decision.headers) reply.header(name, decision.headers[name] as string);
    (request as unknown as AuthCarrier)[AUTH] = decision.auth;
    (request as unknown as AuthCarrier).actionAuth = decision.auth;
    return true;
  }

  return function decide(request, reply) {
    (request as Marks)[DECIDED] = true;
    const decision = gate.decideNow(prepared, requestFacts(request));
    if (decision instanceof Promise) return decision.then((decided) => settle(decided, request, reply));
    return settle(decision, request, reply);
  };
}

/** Fastify continues on a falsy `done` argument: whatever a failure threw stays a failure. */
export const asError = (error: unknown): Error => (error instanceof Error ? error : new RefusalHookError(error));

/**
 * Runs a decider in a callback-style hook: `done()` only when allowed, in the same tick for a
 * cached token's request; `done(error)` for a failure, thrown or rejected.
 */
export function runDecider(
  decide: Decider,
  request: FastifyRequest,
  reply: FastifyReply,
  done: (error?: FastifyError | Error) => void,
): void {
  let allowed: boolean | Promise<boolean>;
  try {
    allowed = decide(request, reply);
  } catch (error) {
    done(asError(error));
    return;
  }
  if (allowed === true) done();
  else if (allowed !== false)
    allowed.then(
      (yes) => {
        if (yes) done();
      },
      (error: unknown) => done(asError(error)),
    );
}

export function guardHook(decide: Decider): ActionGuard {
  const guard: ActionGuard = function requireAction(request, reply, done) {
    runDecider(decide, request, reply, done);
  };
  Object.defineProperty(guard, GUARD, { value: decide });
  return guard;
}

/** The decider of a `requireAction()` guard among a hook option's functions, if any. */
export function guardIn(hooks: unknown): Decider | undefined {
  const list = Array.isArray(hooks) ? hooks : [hooks];
  for (const hook of list) {
    if (typeof hook === 'function' && GUARD in hook) return (hook as { [GUARD]: Decider })[GUARD];
  }
  return undefined;
}

/** Route-level preParsing: from here on, an error before the guard ran is a body error. */
function markParsing(request: FastifyRequest, _reply: FastifyReply, payload: unknown, done: DoneWith): void {
  (request as Marks)[PARSING] = true;
  done(null, payload);
}
type DoneWith = (error: Error | null, payload: unknown) => void;

type RouteErrorHandler = NonNullable<RouteOptions['errorHandler']>;

/**
 * A route error handler that answers a body error (Fastify's 400, 413 or 415, raised before the
 * guard ran) with the guard's decision on the request without its body: a refusal if the token
 * is refused, else the body error itself, to the route's own or the scope's error handler.
 * Never a 500, never an allow.
 */
function guardFirst(decide: Decider, own: RouteErrorHandler | undefined): RouteErrorHandler {
  return async function actiongateBodyError(this: unknown, error: FastifyError, request, reply) {
    const marks = request as Marks;
    if (marks[PARSING] === true && marks[DECIDED] !== true) {
      // Refused: answered. Allowed: the body error stands (its own 400, 413 or 415).
      if (!(await decide(request, reply))) return undefined;
    }
    if (own !== undefined) return own.call(this as never, error, request, reply);
    throw error;
  } as RouteErrorHandler;
}

function prepend<T>(hook: T, hooks: T | T[] | undefined): T[] {
  if (hooks === undefined) return [hook];
  return Array.isArray(hooks) ? [hook, ...hooks] : [hook, hooks];
}

/**
 * The methods whose body this Fastify never parses (GET, HEAD and TRACE unless `addHttpMethod`
 * said otherwise), from the instance's own set, found by its symbol's description; `undefined`
 * when it cannot be found, and then every route is marked.
 */
function bodylessMethods(instance: object): ReadonlySet<string> | undefined {
  for (let at: object | null = instance; at !== null; at = Object.getPrototypeOf(at)) {
    for (const symbol of Object.getOwnPropertySymbols(at)) {
      if (symbol.description !== 'fastify.acceptedHTTPMethods') continue;
      const bodyless = (at as Record<symbol, { bodyless?: unknown } | undefined>)[symbol]?.bodyless;
      return bodyless instanceof Set ? (bodyless as ReadonlySet<string>) : undefined;
    }
  }
  return undefined;
}

/**
 * Arms a guarded route (by `config.action` or a `requireAction()` hook) so that a body error meets
 * the guard first: a preParsing mark, and the route's error handler wrapped. A route whose every
 * method is one Fastify parses no body for (a GET and its HEAD) cannot meet a body error, so it
 * gets no mark: one hook fewer on each of its requests. A method given a body later
 * (`addHttpMethod`) at worst lets Fastify's own 400, 413 or 415 answer first, never the handler.
 */
export function armRoute(routeOptions: RouteOptions, decide: Decider, instance: object): void {
  const options = routeOptions as unknown as Record<string, unknown>;
  const bodyless = bodylessMethods(instance);
  const methods = Array.isArray(routeOptions.method) ? routeOptions.method : [routeOptions.method];
  if (bodyless === undefined || !methods.every((method) => bodyless.has(method))) {
    options.preParsing = prepend<unknown>(markParsing, options.preParsing);
  }
  routeOptions.errorHandler = guardFirst(decide, routeOptions.errorHandler);
}
