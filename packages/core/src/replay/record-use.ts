/**
 * One use recorded in the replay store under a timeout, for single-use tokens, use budgets and
 * DPoP proofs alike: a store that fails or answers late fails the request closed (503), and the
 * use the gate gave up on is undone, so that a refused request never burns what it carried.
 */
import { ReplayStoreUnavailableError } from '../errors.js';
import type { ReplayStore } from './types.js';

/** Undoes a use without waiting: the request is answered already. */
export function releaseQuietly(store: ReplayStore, key: string, attempt: string): void {
  try {
    store.release(key, attempt).catch(() => {});
  } catch {
    // A release that throws synchronously, or returns no promise: nothing more can be done here.
  }
}

/**
 * Runs one store operation under the timeout; on any failure the use is undone and the error
 * is a `ReplayStoreUnavailableError` (503).
 */
export async function recordUse<T>(
  store: ReplayStore,
  key: string,
  attempt: string,
  timeoutMs: number,
  operation: () => Promise<T>,
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new ReplayStoreUnavailableError('the replay store did not answer in time')),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([operation(), timeout]);
  } catch (error) {
    // Refused with 503, but the use may still be recorded (a late answer, a reply lost with the
    // connection): undo it. Not awaited: the request is answered now; the store orders the undo
    // after the consume. A store that cannot deliver it leaves the token burnt (see the docs).
    releaseQuietly(store, key, attempt);
    throw error instanceof ReplayStoreUnavailableError
      ? error
      : new ReplayStoreUnavailableError(undefined, { cause: error });
  } finally {
    clearTimeout(timer);
  }
}
