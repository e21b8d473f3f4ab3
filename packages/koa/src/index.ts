/**
 * Koa 2 and 3 adapter: turns a context into facts, asks the gate, writes the decision.
 * It holds no rule of its own.
 */
import { type AuthInfo, ConfigurationError, type Gate, type PreparedAction, type Refusal } from '@actiongate/core';
import type { Context, Middleware, Next } from 'koa';
import { requestFacts } from './facts.js';

export { requestFacts } from './facts.js';

/** `ctx.state` after `requireAction()` allowed the request. */
export interface ActionGateState<N extends string = string> {
  auth: AuthInfo<N>;
}

export interface KoaActionGate<N extends string> {
  /** A middleware that lets a request through only when its token allows `action`. */
  requireAction(action: N): Middleware<ActionGateState<N>>;
  /** A middleware serving the RFC 9728 document at `gate.metadataPath`. */
  readonly metadata: Middleware;
}

/** Writes a refusal: status, challenge headers and the JSON error body. */
export function sendRefusal(ctx: Context, refusal: Refusal): void {
  ctx.status = refusal.status;
  ctx.set(refusal.headers as Record<string, string>);
  ctx.body = refusal.body;
}

function guard<N extends string>(gate: Gate<N>, prepared: PreparedAction<N>): Middleware<ActionGateState<N>> {
  return async function requireAction(ctx, next: Next): Promise<void> {
    const decision = await gate.decide(prepared, requestFacts(ctx as unknown as Context));
    if (!decision.allow) return sendRefusal(ctx as unknown as Context, decision);
    ctx.state.auth = decision.auth;
    await next();
  };
}

export function actiongate<N extends string>(gate: Gate<N>): KoaActionGate<N> {
  if (typeof gate?.decide !== 'function' || typeof gate.prepare !== 'function') {
    throw new ConfigurationError('gate', 'must be the result of createGate({...}) from @actiongate/core');
  }
  const document = JSON.stringify(gate.metadata);
  const metadata: Middleware = async (ctx, next) => {
    if (ctx.path !== gate.metadataPath || (ctx.method !== 'GET' && ctx.method !== 'HEAD')) return next();
    ctx.type = 'application/json';
    ctx.body = document;
  };
  return {
    // `prepare` throws for an undeclared name now, while the route is being declared.
    requireAction: (action: N) => guard(gate, gate.prepare(action)),
    metadata,
  };
}
