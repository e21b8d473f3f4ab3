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

/** Writes a refusal: status, challenge headers and the JSON error body. */
export function sendRefusal(res: Response, refusal: Refusal): void {
  res.status(refusal.status);
  for (const name in refusal.headers) res.setHeader(name, refusal.headers[name] as string);
  res.json(refusal.body);
}

function guard<N extends string>(gate: Gate<N>, prepared: PreparedAction<N>): RequestHandler {
  return function requireAction(req: Request, res: Response, next: NextFunction): void {
    gate.decide(prepared, requestFacts(req)).then((decision: Decision<N>) => {
      if (decision.allow) {
        req.auth = decision.auth;
        next();
      } else {
        sendRefusal(res, decision);
      }
    }, next);
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
