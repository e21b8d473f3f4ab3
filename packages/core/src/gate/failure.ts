/** Errors a decision can meet, turned into refusals: fail closed, never an allow. */
import type { RefusalCode } from '../challenge/codes.js';
import { buildRefusal, type ChallengeOptions, type Refusal } from '../challenge/refusal.js';
import {
  IntrospectionUnavailableError,
  KeySetUnavailableError,
  ReplayStoreUnavailableError,
  RevocationUnavailableError,
  TokenRejectedError,
} from '../errors.js';

export function refusalCodeFor(error: unknown): RefusalCode {
  if (error instanceof TokenRejectedError) return error.reason;
  // Fail closed: what cannot be checked is a 503, anything unexpected a 500; never an allow.
  if (error instanceof KeySetUnavailableError) return 'keys_unavailable';
  if (error instanceof IntrospectionUnavailableError) return 'introspection_unavailable';
  if (error instanceof ReplayStoreUnavailableError) return 'replay_store_unavailable';
  if (error instanceof RevocationUnavailableError) return 'revocation_unavailable';
  return 'internal_error';
}

/**
 * A key set or an introspection endpoint in backoff answers with the seconds left when longer
 * than `retryAfter` (RFC 9110 §10.2.3); each value is rendered once, and backoff is capped, so
 * the memo stays small. `undefined` means the gate's table refusal applies.
 */
export function backoffRefusals(
  challenge: ChallengeOptions,
  defaultRetryAfter: number,
): (error: unknown) => Refusal | undefined {
  const unavailable = new Map<string, Refusal>();
  return (error) => {
    const code =
      error instanceof KeySetUnavailableError
        ? 'keys_unavailable'
        : error instanceof IntrospectionUnavailableError
          ? 'introspection_unavailable'
          : undefined;
    const retryAfter = (error as { retryAfter?: number }).retryAfter;
    if (code === undefined || retryAfter === undefined || retryAfter <= defaultRetryAfter) return undefined;
    let refusal = unavailable.get(`${code} ${retryAfter}`);
    if (refusal === undefined && unavailable.size < 1024) {
      refusal = buildRefusal(code, { ...challenge, retryAfter });
      unavailable.set(`${code} ${retryAfter}`, refusal);
    }
    return refusal;
  };
}
