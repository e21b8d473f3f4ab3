/**
 * Where an allowed request's `AuthInfo` is kept, and how a handler reads it. Under a registered
 * symbol (the ESM and CommonJS copies of this package agree on it) and, for typed reading, on
 * `request.actionAuth`, which the plugin declares by merging into Fastify's own `FastifyRequest`.
 */
import { type AuthInfo, MissingAuthError } from '@actiongate/core';
import type { FastifyRequest } from 'fastify';

export const AUTH: unique symbol = Symbol.for('actiongate.auth');

export interface AuthCarrier {
  [AUTH]?: AuthInfo;
  actionAuth?: AuthInfo | undefined;
}

/**
 * The action names `request.actionAuth` and route `config.action` are typed by: `string` unless
 * the app names them by augmenting `ActionGateRegistry` in the `fastify` module:
 *
 * ```ts
 * declare module 'fastify' {
 *   interface ActionGateRegistry { action: 'invoices.read' | 'invoices.refund' }
 * }
 * ```
 *
 * The registry lives in Fastify's module rather than this package's, so that the ES module and
 * CommonJS declarations of this package, both seen by a mixed project, read the same one.
 */
export type RegisteredAction = import('fastify').ActionGateRegistry extends { readonly action: infer N extends string }
  ? N
  : string;

declare module 'fastify' {
  /** Augment it with `action: <your action names>` to type `config.action` and `request.actionAuth`. */
  interface ActionGateRegistry {}
  interface FastifyRequest {
    /**
     * The `AuthInfo` of a request that actiongate allowed (route `config.action` or
     * `requireAction()`); `undefined` on a route it does not guard.
     */
    actionAuth: AuthInfo<RegisteredAction> | undefined;
  }
  interface FastifyContextConfig {
    /**
     * The action this route requires: the actiongate plugin registered in this scope (or a
     * parent) guards the route with it. An undeclared name fails when the route is declared.
     */
    action?: RegisteredAction;
  }
}

/**
 * The `AuthInfo` that the guard attached when it allowed this request, or `undefined` on a route
 * it does not guard. Prefer the `getAuth` returned by `actiongate(gate)`, which knows the names.
 */
export function getAuth<N extends string = string>(request: FastifyRequest): AuthInfo<N> | undefined {
  return (request as unknown as AuthCarrier)[AUTH] as AuthInfo<N> | undefined;
}

/** Like `getAuth`, for handlers behind the guard: throws `MissingAuthError` (a 500) otherwise. */
export function getAuthOrThrow<N extends string = string>(request: FastifyRequest): AuthInfo<N> {
  const auth = (request as unknown as AuthCarrier)[AUTH];
  if (auth === undefined) throw new MissingAuthError();
  return auth as AuthInfo<N>;
}
