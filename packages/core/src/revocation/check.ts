/**
 * The gate's revocation check, run on every request after verification, cached or not: the
 * verified-token cache keeps the signature check only, so a token is refused from the first
 * request after its revocation reached the store (or the app's hook), however long ago it was
 * verified. A store or hook that fails, answers late or answers nonsense refuses the request
 * with 503 (fail closed), never allows it.
 */
import { RevocationUnavailableError } from '../errors.js';
import type { VerifiedToken } from '../verify/index.js';
import type { RevocationHook, RevocationQuery, RevocationStore } from './types.js';

export interface RevocationCheckOptions {
  readonly store: RevocationStore | undefined;
  readonly hook: RevocationHook | undefined;
  /** Milliseconds for the store and the hook together. */
  readonly timeout: number;
  /** The claim that names the token's grant (or session). */
  readonly grantIdClaim: string;
}

/** Resolves `true` when revoked; rejects with `RevocationUnavailableError` when it cannot tell. */
export type RevocationCheck = (token: VerifiedToken) => Promise<boolean>;

function answer(value: unknown, from: string): boolean {
  if (typeof value !== 'boolean')
    throw new RevocationUnavailableError(`${from} answered something else than a boolean`);
  return value;
}

export function queryFor(token: VerifiedToken, grantIdClaim: string): RevocationQuery {
  const { claims } = token;
  const grant = (claims as Record<string, unknown>)[grantIdClaim];
  return {
    issuer: token.issuer,
    jti: token.tokenId ?? claims.jti,
    sub: claims.sub,
    clientId: token.clientId ?? claims.client_id,
    grantId: typeof grant === 'string' ? grant : undefined,
    iat: claims.iat,
  };
}

export function createRevocationCheck(options: RevocationCheckOptions): RevocationCheck | undefined {
  const { store, hook, timeout, grantIdClaim } = options;
  if (store === undefined && hook === undefined) return undefined;

  async function ask(token: VerifiedToken): Promise<boolean> {
    // Awaited whatever they return: a boolean, a promise, or any thenable a store's library uses.
    if (store !== undefined && answer(await store.isRevoked(queryFor(token, grantIdClaim)), 'the revocation store'))
      return true;
    if (hook !== undefined && answer(await hook(token), 'isRevoked')) return true;
    return false;
  }

  return async function isRevoked(token) {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new RevocationUnavailableError('the revocation check did not answer in time')),
        timeout,
      );
    });
    try {
      return await Promise.race([ask(token), late]);
    } catch (error) {
      throw error instanceof RevocationUnavailableError
        ? error
        : new RevocationUnavailableError(undefined, { cause: error });
    } finally {
      clearTimeout(timer);
    }
  };
}
