/**
 * Express 4 and 5 adapter: turns a request into facts, asks the gate, writes the decision.
 * It holds no rule of its own, and declares nothing globally: read the result with `getAuth(req)`.
 */
import { IncomingMessage } from 'node:http';
import {
  type AuthInfo,
  assertAdapterArguments,
  ConfigurationError,
  type Decision,
  type Gate,
  type PreparedAction,
} from '@actiongate/core';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { AUTH, type AuthCarrier, getAuth, getAuthOrThrow } from './auth.js';
import { requestFacts } from './facts.js';
import { metadataMiddleware } from './metadata.js';
import { handOver, type RefusalHook, sendRefusal } from './refusal.js';

// Defined once in the core, so that every adapter (and each module format) throws the same classes.
export { ActionRefusedError, MissingAuthError, RefusalHookError } from '@actiongate/core';
export { getAuth, getAuthOrThrow } from './auth.js';
export { requestFacts } from './facts.js';
export { type RefusalHook, sendRefusal } from './refusal.js';

/** Options of the Express adapter; the defaults suit a plain Express app and need no change. */
export interface ExpressAdapterOptions {
  /**
   * Also put the `AuthInfo` on `req[requestProperty]` (say `'auth'`, as in actiongate 0.1).
   * Off by default: `req.auth` belongs to express-oauth2-jwt-bearer and express-jwt, and writing
   * it would overwrite theirs on a route both guard. Nothing is declared for its type; use
   * `getAuth(req)`, or declare the property yourself if no other package does.
   */
  readonly requestProperty?: string;
  /**
   * What a refusal does. `'respond'` (default): end the request with the status, challenge and
   * JSON body. `'error'`: set the status and challenge headers, then `next(new ActionRefusedError())`
   * for the app's error handler. A function: set the status and challenge headers, then let it
   * write the response (a hook that writes nothing gets the standard refusal). Keep the
   * `WWW-Authenticate` header: clients need it to know how to authenticate (RFC 6750 §3).
   */
  readonly onRefusal?: 'respond' | 'error' | RefusalHook;
}

/**
 * What {@link actiongate} returns: per-action middleware, the RFC 9728 metadata middleware and
 * typed readers of the allowed request's `AuthInfo`, all bound to one gate.
 */
export interface ExpressActionGate<N extends string> {
  /** A middleware that lets a request through only when its token allows `action`. */
  requireAction(action: N): RequestHandler;
  /**
   * A middleware serving the RFC 9728 document at `gate.metadataPath`. Mount it on the app, not
   * in a router with a prefix: the document lives at the origin's root whatever the prefix.
   */
  readonly metadata: RequestHandler;
  /** The `AuthInfo` of a request `requireAction()` allowed; `undefined` on an unguarded route. */
  getAuth(req: Request): AuthInfo<N> | undefined;
  /** The `AuthInfo` of a request `requireAction()` allowed; throws `MissingAuthError` otherwise. */
  getAuthOrThrow(req: Request): AuthInfo<N>;
}

// Names Express or Node already give a request; writing the AuthInfo there would break it.
const EXPRESS_REQUEST = new Set([
  'accepts',
  'app',
  'baseUrl',
  'body',
  'cookies',
  'fresh',
  'get',
  'header',
  'host',
  'hostname',
  'ip',
  'ips',
  'is',
  'next',
  'originalUrl',
  'param',
  'params',
  'path',
  'protocol',
  'query',
  'range',
  'res',
  'route',
  'secure',
  'signedCookies',
  'stale',
  'subdomains',
  'xhr',
]);

interface Settings {
  readonly requestProperty: string | undefined;
  readonly onRefusal: 'respond' | 'error' | RefusalHook;
}

function settingsFrom(options: ExpressAdapterOptions): Settings {
  const { requestProperty, onRefusal = 'respond' } = options;
  if (
    requestProperty !== undefined &&
    (typeof requestProperty !== 'string' ||
      !/^[A-Za-z_$][\w$]*$/.test(requestProperty) ||
      // A bare request, made at start-up only, has every name Node gives a request.
      requestProperty in new IncomingMessage(undefined as never) ||
      EXPRESS_REQUEST.has(requestProperty))
  ) {
    throw new ConfigurationError(
      'requestProperty',
      `must be an identifier that Express and Node do not already use, such as "auth" (got ${JSON.stringify(requestProperty)})`,
    );
  }
  if (onRefusal !== 'respond' && onRefusal !== 'error' && typeof onRefusal !== 'function') {
    throw new ConfigurationError('onRefusal', 'must be "respond", "error" or a function (refusal, req, res) => void');
  }
  return { requestProperty, onRefusal };
}

function guard<N extends string>(gate: Gate<N>, prepared: PreparedAction<N>, settings: Settings): RequestHandler {
  const { requestProperty, onRefusal } = settings;

  function settle(decision: Decision<N>, req: Request, res: Response, next: NextFunction): void {
    if (!decision.allow) {
      if (onRefusal === 'respond') sendRefusal(res, decision);
      // E.g. ERR_HTTP_HEADERS_SENT when a timeout middleware answered first: Express 4 does not
      // catch a rejection, and an unhandled rejection ends the process; so every one goes to next().
      else handOver(decision, req, res, next, onRefusal).catch(next);
      return;
    }
    // RFC 9449 §9: a fresh DPoP nonce travels with the handler's answer.
    if (decision.headers !== undefined)
      for (const name in decision.headers) res.setHeader(name, decision.headers[name] as string);
    (req as unknown as AuthCarrier)[AUTH] = decision.auth;
    if (requestProperty !== undefined) (req as unknown as Record<string, unknown>)[requestProperty] = decision.auth;
    next();
  }

  function settleOrFail(decision: Decision<N>, req: Request, res: Response, next: NextFunction): void {
    try {
      settle(decision, req, res, next);
    } catch (error) {
      // sendRefusal on a response already answered (ERR_HTTP_HEADERS_SENT), as above.
      next(error);
    }
  }

  // Not an async function: a cached token's request is decided synchronously (gate.decideNow), and
  // next() is then called in the same tick, as by a plain synchronous middleware; Express 5 would
  // chain a handler onto a returned promise, and Express 4 ignores it. Every error reaches next()
  // here instead, whichever Express runs it.
  return function requireAction(req: Request, res: Response, next: NextFunction): void {
    let decision: Decision<N> | Promise<Decision<N>>;
    try {
      decision = gate.decideNow(prepared, requestFacts(req));
    } catch (error) {
      next(error);
      return;
    }
    if (!(decision instanceof Promise)) {
      settleOrFail(decision, req, res, next);
      return;
    }
    decision.then(
      (decided) => settleOrFail(decided, req, res, next),
      // Only an undeclared action name, which prepare() already ruled out.
      (error: unknown) => next(error),
    );
  };
}

/**
 * Binds a gate from `createGate()` to Express 4 or 5. Each action name is checked against the
 * gate's declarations when `requireAction(name)` is called, so a typo fails at start-up, not on a request.
 *
 * @throws ConfigurationError when `gate` is not a gate or an option is invalid.
 */
export function actiongate<N extends string>(gate: Gate<N>, options: ExpressAdapterOptions = {}): ExpressActionGate<N> {
  assertAdapterArguments(gate, options);
  const settings = settingsFrom(options);
  return {
    // `prepare` throws for an undeclared name now, while the route is being declared.
    requireAction: (action: N) => guard(gate, gate.prepare(action), settings),
    metadata: metadataMiddleware(gate as Gate<string>),
    getAuth: getAuth<N>,
    getAuthOrThrow: getAuthOrThrow<N>,
  };
}
