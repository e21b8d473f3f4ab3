/**
 * Express 4 and 5 adapter: turns a request into facts, asks the gate, writes the decision.
 * It holds no rule of its own.
 */
import {
  type AuthInfo,
  ConfigurationError,
  type Decision,
  type Gate,
  type PreparedAction,
  type Refusal,
} from '@actiongate/core';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { requestFacts } from './facts.js';

declare global {
  namespace Express {
    interface Request {
      /** Set by `requireAction()` when the gate allows the request. */
      auth?: AuthInfo;
    }
  }
}

export { requestFacts } from './facts.js';

export interface ExpressActionGate<N extends string> {
  /** A middleware that lets a request through only when its token allows `action`. */
  requireAction(action: N): RequestHandler;
  /** A middleware serving the RFC 9728 document at `gate.metadataPath`; mount with `app.use()`. */
  readonly metadata: RequestHandler;
}

const serialised = new WeakMap<object, string>();

/** Writes a refusal: status, challenge headers and the JSON error body (serialised once per refusal). */
export function sendRefusal(res: Response, refusal: Refusal): void {
  let body = serialised.get(refusal.body);
  if (body === undefined) {
    body = JSON.stringify(refusal.body);
    serialised.set(refusal.body, body);
  }
  res.status(refusal.status);
  for (const name in refusal.headers) res.setHeader(name, refusal.headers[name] as string);
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.end(body);
}

function guard<N extends string>(gate: Gate<N>, prepared: PreparedAction<N>): RequestHandler {
  return async function requireAction(req: Request, res: Response, next: NextFunction): Promise<void> {
    let decision: Decision<N>;
    try {
      decision = await gate.decide(prepared, requestFacts(req));
    } catch (error) {
      return next(error); // only an undeclared action name, which prepare() already ruled out
    }
    if (!decision.allow) return sendRefusal(res, decision);
    req.auth = decision.auth;
    next();
  };
}

export function actiongate<N extends string>(gate: Gate<N>): ExpressActionGate<N> {
  if (typeof gate?.decide !== 'function' || typeof gate.prepare !== 'function') {
    throw new ConfigurationError('gate', 'must be the result of createGate({...}) from @actiongate/core');
  }
  const document = JSON.stringify(gate.metadata);
  const metadata: RequestHandler = (req, res, next) => {
    if (req.path !== gate.metadataPath || (req.method !== 'GET' && req.method !== 'HEAD')) return next();
    res.type('application/json').send(document);
  };
  return {
    // `prepare` throws for an undeclared name now, while the route is being declared.
    requireAction: (action: N) => guard(gate, gate.prepare(action)),
    metadata,
  };
}
