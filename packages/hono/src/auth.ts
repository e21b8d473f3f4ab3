/**
 * Where an allowed request's `AuthInfo` is kept besides the context variable, and how a
 * handler reads it. A registered symbol as a context variable (Hono keeps variables in a `Map`,
 * so the `Context` object keeps its shape): `getAuth(c)` works whatever `variable` is, and the
 * ESM and CommonJS copies of this package agree on the key.
 */
import { type AuthInfo, MissingAuthError } from '@actiongate/core';
import type { Context, Env, Input } from 'hono';
import type { BlankInput } from 'hono/types';

export const AUTH: unique symbol = Symbol.for('actiongate.auth');

/** `c.get` and `c.set` with a key no string variable can meet. */
export interface SymbolVariables {
  get(key: symbol): unknown;
  set(key: symbol, value: unknown): void;
}

/** A Hono context, whatever its `Env`, path and input. */
export type AnyContext<E extends Env = Env, P extends string = string, I extends Input = BlankInput> = Context<E, P, I>;

/**
 * The `AuthInfo` that `requireAction()` attached when it allowed this request, or `undefined`
 * on a route it does not guard. Prefer the `getAuth` returned by `actiongate(gate)`, which
 * knows the action names.
 */
export function getAuth<
  N extends string = string,
  E extends Env = Env,
  P extends string = string,
  I extends Input = BlankInput,
>(c: Context<E, P, I>): AuthInfo<N> | undefined {
  return (c as unknown as SymbolVariables).get(AUTH) as AuthInfo<N> | undefined;
}

/** Like `getAuth`, for handlers behind `requireAction()`: throws `MissingAuthError` (a 500) otherwise. */
export function getAuthOrThrow<
  N extends string = string,
  E extends Env = Env,
  P extends string = string,
  I extends Input = BlankInput,
>(c: Context<E, P, I>): AuthInfo<N> {
  const auth = (c as unknown as SymbolVariables).get(AUTH);
  if (auth === undefined) throw new MissingAuthError();
  return auth as AuthInfo<N>;
}
