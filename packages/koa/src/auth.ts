/**
 * Where an allowed request's `AuthInfo` is kept besides `ctx.state`, and how a handler reads it.
 * A registered symbol on the context: `getAuth(ctx)` works whatever `stateKey` is, and the ESM
 * and CommonJS copies of this package agree on the key.
 */
import { type AuthInfo, MissingAuthError } from '@actiongate/core';
import type { ParameterizedContext } from 'koa';

export const AUTH: unique symbol = Symbol.for('actiongate.auth');

export interface AuthCarrier {
  [AUTH]?: AuthInfo;
}

/** Any Koa context, whatever its state and router extensions. */
export type AnyContext = ParameterizedContext<unknown, unknown, unknown>;

/**
 * The `AuthInfo` that `requireAction()` attached when it allowed this request, or `undefined`
 * on a route it does not guard. Prefer the `getAuth` returned by `actiongate(gate)`, which
 * knows the action names.
 */
export function getAuth<N extends string = string>(ctx: AnyContext): AuthInfo<N> | undefined {
  return (ctx as unknown as AuthCarrier)[AUTH] as AuthInfo<N> | undefined;
}

/** Like `getAuth`, for handlers behind `requireAction()`: throws `MissingAuthError` (a 500) otherwise. */
export function getAuthOrThrow<N extends string = string>(ctx: AnyContext): AuthInfo<N> {
  const auth = (ctx as unknown as AuthCarrier)[AUTH];
  if (auth === undefined) throw new MissingAuthError();
  return auth as AuthInfo<N>;
}
