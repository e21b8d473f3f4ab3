/**
 * Where an allowed request's `AuthInfo` is kept, and how a handler reads it.
 *
 * It lives under a registered symbol, not under `req.auth`: express-oauth2-jwt-bearer and
 * express-jwt both own `req.auth` (the first declares it globally, so a second global
 * declaration fails with TS2717), and a team migrating one route at a time runs them side by
 * side. `Symbol.for` makes the ESM and CommonJS copies of this package agree on the key.
 */
import { type AuthInfo, MissingAuthError } from '@actiongate/core';
import type { Request } from 'express';

export const AUTH: unique symbol = Symbol.for('actiongate.auth');

export interface AuthCarrier {
  [AUTH]?: AuthInfo;
}

/**
 * The `AuthInfo` that `requireAction()` attached when it allowed this request, or `undefined`
 * on a route it does not guard. `N` narrows the action name; prefer the `getAuth` returned by
 * `actiongate(gate)`, which knows it.
 */
export function getAuth<N extends string = string>(req: Request): AuthInfo<N> | undefined {
  return (req as unknown as AuthCarrier)[AUTH] as AuthInfo<N> | undefined;
}

/**
 * Like `getAuth`, for handlers behind `requireAction()`: throws `MissingAuthError` (so the app
 * answers 500, never runs unguarded) when the route was wired without the guard.
 */
export function getAuthOrThrow<N extends string = string>(req: Request): AuthInfo<N> {
  const auth = (req as unknown as AuthCarrier)[AUTH];
  if (auth === undefined) throw new MissingAuthError();
  return auth as AuthInfo<N>;
}
