/**
 * Koa 2 and 3 adapter: turns a context into facts, asks the gate, writes the decision.
 * It holds no rule of its own, and declares nothing globally.
 */
import {
  type AuthInfo,
  assertAdapterArguments,
  ConfigurationError,
  type Decision,
  type Gate,
  type PreparedAction,
} from '@actiongate/core';
import type { Context, Middleware, Next } from 'koa';
import { type AnyContext, AUTH, type AuthCarrier, getAuth, getAuthOrThrow } from './auth.js';
import { requestFacts } from './facts.js';
import { metadataMiddleware } from './metadata.js';
import { handOver, type RefusalHook, sendRefusal } from './refusal.js';

// Defined once in the core, so that every adapter (and each module format) throws the same classes.
export { ActionRefusedError, MissingAuthError, RefusalHookError } from '@actiongate/core';
export { type AnyContext, getAuth, getAuthOrThrow } from './auth.js';
export { requestFacts } from './facts.js';
export { type RefusalHook, sendRefusal } from './refusal.js';

/** `ctx.state` after `requireAction()` allowed the request, with the default `stateKey`. */
export interface ActionGateState<N extends string = string> {
  auth: AuthInfo<N>;
}

/** `ctx.state` after `requireAction()` allowed the request, for a given `stateKey`. */
export type ActionGateStateFor<N extends string, K extends string | false> = K extends string
  ? { [P in K]: AuthInfo<N> }
  : Record<never, never>;

/**
 * Options of the Koa adapter. `K` is the `stateKey` literal, so that `ctx.state` is typed after
 * `requireAction()`.
 */
export interface KoaAdapterOptions<K extends string | false = 'auth'> {
  /**
   * The `ctx.state` member that receives the `AuthInfo`; `'auth'` by default (koa-jwt uses
   * `user`, so the two do not meet), `false` for none. `getAuth(ctx)` works either way.
   */
  readonly stateKey?: K;
  /**
   * What a refusal does. `'respond'` (default): set the status, challenge and JSON body.
   * `'error'`: set the status and challenge headers, then throw `ActionRefusedError` for the app's
   * error handling. A function: set the status and challenge headers, then let it set the body (a
   * hook that sets none gets the standard refusal). Keep the `WWW-Authenticate` header: clients
   * need it to know how to authenticate (RFC 6750 §3).
   */
  readonly onRefusal?: 'respond' | 'error' | RefusalHook;
}

/**
 * What {@link actiongate} returns: per-action middleware, the RFC 9728 metadata middleware and
 * typed readers of the allowed request's `AuthInfo`, all bound to one gate.
 */
export interface KoaActionGate<N extends string, K extends string | false = 'auth'> {
  /** A middleware that lets a request through only when its token allows `action`. */
  requireAction(action: N): Middleware<ActionGateStateFor<N, K>>;
  /**
   * A middleware serving the RFC 9728 document at `gate.metadataPath`. Mount it on the app: the
   * document lives at the origin's root whatever a router's prefix.
   */
  readonly metadata: Middleware;
  /** The `AuthInfo` of a request `requireAction()` allowed; `undefined` on an unguarded route. */
  getAuth(ctx: AnyContext): AuthInfo<N> | undefined;
  /** The `AuthInfo` of a request `requireAction()` allowed; throws `MissingAuthError` otherwise. */
  getAuthOrThrow(ctx: AnyContext): AuthInfo<N>;
}

interface Settings {
  readonly stateKey: string | false;
  readonly onRefusal: 'respond' | 'error' | RefusalHook;
}

function settingsFrom(options: KoaAdapterOptions<string | false>): Settings {
  const { stateKey = 'auth', onRefusal = 'respond' } = options;
  if (
    stateKey !== false &&
    (typeof stateKey !== 'string' ||
      !/^[A-Za-z_$][\w$]*$/.test(stateKey) ||
      // `__proto__` would replace ctx.state's prototype instead of adding a member.
      stateKey in Object.prototype)
  ) {
    throw new ConfigurationError(
      'stateKey',
      `must be an identifier such as "auth" (not one every object has, like __proto__), or false (got ${JSON.stringify(stateKey)})`,
    );
  }
  if (onRefusal !== 'respond' && onRefusal !== 'error' && typeof onRefusal !== 'function') {
    throw new ConfigurationError('onRefusal', 'must be "respond", "error" or a function (refusal, ctx) => void');
  }
  return { stateKey, onRefusal };
}

function guard<N extends string>(gate: Gate<N>, prepared: PreparedAction<N>, settings: Settings): Middleware {
  const { stateKey, onRefusal } = settings;

  function settle(decision: Decision<N>, ctx: Context, next: Next): Promise<void> | undefined {
    if (!decision.allow) {
      if (onRefusal === 'respond') {
        sendRefusal(ctx, decision);
        return undefined;
      }
      return handOver(decision, ctx, onRefusal);
    }
    // RFC 9449 §9: a fresh DPoP nonce travels with the handler's answer.
    if (decision.headers !== undefined) ctx.set(decision.headers as Record<string, string>);
    (ctx as unknown as AuthCarrier)[AUTH] = decision.auth;
    if (stateKey !== false) (ctx.state as Record<string, unknown>)[stateKey] = decision.auth;
    return next();
  }

  // Not an async function: a cached token's request is decided synchronously (gate.decideNow),
  // and the guard then returns next()'s own promise, or nothing once it answered a refusal, with
  // no promise of its own. Koa's compose resolves either, and turns a throw into a rejection.
  return function requireAction(ctx: Context, next: Next): Promise<void> | undefined {
    const decision = gate.decideNow(prepared, requestFacts(ctx));
    if (decision instanceof Promise) return decision.then((decided) => settle(decided, ctx, next));
    return settle(decision, ctx, next);
  };
}

/**
 * Binds a gate from `createGate()` to Koa 2 or 3. Each action name is checked against the gate's
 * declarations when `requireAction(name)` is called, so a typo fails at start-up, not on a request.
 *
 * @throws ConfigurationError when `gate` is not a gate or an option is invalid.
 */
export function actiongate<N extends string, K extends string | false = 'auth'>(
  gate: Gate<N>,
  options: KoaAdapterOptions<K> = {},
): KoaActionGate<N, K> {
  assertAdapterArguments(gate, options);
  const settings = settingsFrom(options);
  return {
    // `prepare` throws for an undeclared name now, while the route is being declared.
    requireAction: (action: N) => guard(gate, gate.prepare(action), settings) as Middleware<ActionGateStateFor<N, K>>,
    metadata: metadataMiddleware(gate as Gate<string>),
    getAuth: getAuth<N>,
    getAuthOrThrow: getAuthOrThrow<N>,
  };
}
