/**
 * Hono 4 middleware: turns a `Context` into facts (through the core's Web module, so it runs
 * wherever Hono runs: Node, Bun, Deno, Workers), asks the gate, answers the decision. It holds no
 * rule of its own, and declares nothing globally: the `AuthInfo` is typed through Hono's
 * `Variables`.
 */
import {
  type AuthInfo,
  assertAdapterArguments,
  ConfigurationError,
  type Decision,
  type Gate,
  type PreparedAction,
  RequestBodyError,
  type RequestFacts,
  refusalResponse,
  requestBodyErrorResponse,
  webRequestFactsNow,
} from '@actiongate/core';
import type { Context, Env, Input, MiddlewareHandler, Next } from 'hono';
import { AUTH, getAuth, getAuthOrThrow, type SymbolVariables } from './auth.js';
import { metadataMiddleware } from './metadata.js';
import { handOver, type RefusalHook, refusalError } from './refusal.js';

// Defined once in the core, so that every adapter (and each module format) throws the same classes.
export { ActionRefusedError, MissingAuthError, RefusalHookError, RequestBodyError } from '@actiongate/core';
export { type AnyContext, getAuth, getAuthOrThrow } from './auth.js';
export type { RefusalHook } from './refusal.js';

/**
 * The Hono `Env` a guarded handler sees: `c.get(variable)` (`c.get('auth')` by default) is the
 * `AuthInfo` of the allowed request. Use it as `new Hono<ActionGateEnv<Name>>()` when the guard
 * is mounted with `app.use()`; on `app.get(path, requireAction(...), handler)` it is inferred.
 */
export type ActionGateEnv<N extends string = string, K extends string | false = 'auth'> = {
  Variables: K extends string ? { [P in K]: AuthInfo<N> } : Record<never, never>;
};

/** Options of the Hono adapter. `K` is the `variable` literal, so that `c.get(K)` is typed. */
export interface HonoAdapterOptions<K extends string | false = 'auth'> {
  /**
   * The context variable (`c.get(...)`, `c.var...`) that receives the `AuthInfo`: `'auth'` by
   * default (hono/jwt uses `jwtPayload`, so the two do not meet), `false` for none.
   * `getAuth(c)` works either way.
   */
  readonly variable?: K;
  /**
   * What a refusal does. `'respond'` (default): answer with the status, challenge and JSON body.
   * `'error'`: throw `ActionRefusedError` for `app.onError`; it has `getResponse()`, so Hono's
   * default handler answers the refusal itself. A function: return the `Response` to send, or
   * nothing for the standard one. Keep the `WWW-Authenticate` header: clients need it to know
   * how to authenticate (RFC 6750 §3).
   */
  readonly onRefusal?: 'respond' | 'error' | RefusalHook;
  /**
   * The most bytes of a form or JSON body read for the decision (a token in a body is refused,
   * RFC 6750 §2.2, so it must be seen); a larger one is answered 413. Default 102400 (100 KiB).
   */
  readonly maxBodyBytes?: number;
}

/**
 * What {@link actiongate} returns: per-action middleware, the RFC 9728 metadata middleware and
 * typed readers of the allowed request's `AuthInfo`, all bound to one gate.
 */
export interface HonoActionGate<N extends string, K extends string | false = 'auth'> {
  /** A middleware that lets a request through only when its token allows `action`. */
  requireAction(action: N): MiddlewareHandler<ActionGateEnv<N, K>>;
  /**
   * A middleware serving the RFC 9728 document at `gate.metadataPath`. Mount it with
   * `app.use(metadata)`: the document lives at the origin's root whatever a route's prefix.
   */
  readonly metadata: MiddlewareHandler;
  /** The `AuthInfo` of a request `requireAction()` allowed; `undefined` on an unguarded route. */
  getAuth<E extends Env, P extends string, I extends Input>(c: Context<E, P, I>): AuthInfo<N> | undefined;
  /** The `AuthInfo` of a request `requireAction()` allowed; throws `MissingAuthError` otherwise. */
  getAuthOrThrow<E extends Env, P extends string, I extends Input>(c: Context<E, P, I>): AuthInfo<N>;
}

interface Settings {
  readonly variable: string | false;
  readonly onRefusal: 'respond' | 'error' | RefusalHook;
  readonly maxBodyBytes: number | undefined;
}

function settingsFrom(options: HonoAdapterOptions<string | false>): Settings {
  const { variable = 'auth', onRefusal = 'respond', maxBodyBytes } = options;
  if (variable !== false && (typeof variable !== 'string' || variable === '')) {
    throw new ConfigurationError(
      'variable',
      `must be a non-empty name such as "auth", or false (got ${JSON.stringify(variable)})`,
    );
  }
  if (onRefusal !== 'respond' && onRefusal !== 'error' && typeof onRefusal !== 'function') {
    throw new ConfigurationError(
      'onRefusal',
      'must be "respond", "error" or a function (refusal, c) => Response | undefined',
    );
  }
  if (maxBodyBytes !== undefined && (!Number.isSafeInteger(maxBodyBytes) || maxBodyBytes < 1)) {
    throw new ConfigurationError(
      'maxBodyBytes',
      `must be a positive integer number of bytes (got ${String(maxBodyBytes)})`,
    );
  }
  return { variable, onRefusal, maxBodyBytes };
}

/**
 * The raw header list, where the runtime keeps one: `@hono/node-server` passes the Node request
 * as `c.env.incoming`, whose `rawHeaders` has each repeated field as sent. Elsewhere (Bun, Deno,
 * Workers) only `Headers` exists, and its joined values are split back.
 */
function rawHeadersOf(env: unknown): readonly string[] | undefined {
  const incoming = typeof env === 'object' && env !== null ? (env as { incoming?: unknown }).incoming : undefined;
  const raw =
    typeof incoming === 'object' && incoming !== null ? (incoming as { rawHeaders?: unknown }).rawHeaders : undefined;
  return Array.isArray(raw) ? (raw as string[]) : undefined;
}

const nothing = (): undefined => undefined;

function guard<N extends string>(gate: Gate<N>, prepared: PreparedAction<N>, settings: Settings): MiddlewareHandler {
  const { variable, onRefusal, maxBodyBytes } = settings;

  // A body too large or cut short is answered; one the app read first is its bug (a 500 it sees).
  function bodyError(error: unknown): Response {
    if (error instanceof RequestBodyError && error.status !== 500) return requestBodyErrorResponse(error);
    throw error;
  }

  function settle(decision: Decision<N>, c: Context, next: Next): Response | Promise<Response | undefined> {
    if (!decision.allow) {
      if (onRefusal === 'respond') return refusalResponse(decision);
      if (onRefusal === 'error') throw refusalError(decision);
      return handOver(decision, c, onRefusal);
    }
    (c as unknown as SymbolVariables).set(AUTH, decision.auth);
    if (variable !== false) c.set(variable as never, decision.auth as never);
    const headers = decision.headers;
    // Not next() itself: it resolves to the Context, which compose would take for a response.
    if (headers === undefined) return next().then(nothing);
    // RFC 9449 §9: a fresh DPoP nonce travels with the handler's answer, whatever it is.
    return next().then(() => {
      for (const name of Object.keys(headers)) c.header(name, headers[name] as string);
      return undefined;
    });
  }

  function decideWith(facts: RequestFacts, c: Context, next: Next) {
    const decision = gate.decideNow(prepared, facts);
    if (decision instanceof Promise) return decision.then((decided) => settle(decided, c, next));
    return settle(decision, c, next);
  }

  // Not an async function: a cached token's request without a body is decided synchronously
  // (webRequestFactsNow, gate.decideNow): no promise of the guard's own but the one after next().
  // Hono's compose awaits whatever a middleware returns, and catches what it throws.
  const requireAction = (c: Context, next: Next) => {
    let facts: RequestFacts | Promise<RequestFacts>;
    try {
      facts = webRequestFactsNow(c.req.raw, {
        maxBodyBytes,
        // Hono decodes the parameters anew on every call: only for an action whose rules read them.
        params: prepared.readsParams ? (c.req.param() as Record<string, string>) : undefined,
        rawHeaders: rawHeadersOf(c.env),
      });
    } catch (error) {
      return bodyError(error);
    }
    if (facts instanceof Promise) return facts.then((read) => decideWith(read, c, next), bodyError);
    return decideWith(facts, c, next);
  };
  return requireAction as unknown as MiddlewareHandler;
}

/**
 * Binds a gate from `createGate()` to Hono 4. Each action name is checked against the gate's
 * declarations when `requireAction(name)` is called, so a typo fails at start-up, not on a request.
 *
 * @throws ConfigurationError when `gate` is not a gate or an option is invalid.
 */
export function actiongate<N extends string, K extends string | false = 'auth'>(
  gate: Gate<N>,
  options: HonoAdapterOptions<K> = {},
): HonoActionGate<N, K> {
  assertAdapterArguments(gate, options);
  const settings = settingsFrom(options);
  return {
    // `prepare` throws for an undeclared name now, while the route is being declared.
    requireAction: (action: N) => guard(gate, gate.prepare(action), settings) as MiddlewareHandler<ActionGateEnv<N, K>>,
    metadata: metadataMiddleware(gate as Gate<string>),
    getAuth: getAuth as HonoActionGate<N, K>['getAuth'],
    getAuthOrThrow: getAuthOrThrow as HonoActionGate<N, K>['getAuthOrThrow'],
  };
}
