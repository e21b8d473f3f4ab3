/**
 * The audit event: one per guarded request, after the decision is made. It carries who asked
 * for what and what they got, never the raw token.
 */
import type { BearerErrorCode, RefusalCode } from '../challenge/codes.js';
import type { RefusalDetail } from './detail.js';

export type { RefusalDetail, RefusalProblem } from './detail.js';

/**
 * The audit record of one decision, passed to the gate's `onDecision` hook. It holds identifiers
 * and scopes, never the token itself; `detail` and `cause` are for logs and never reach the client.
 */
export interface DecisionEvent {
  readonly action: string;
  readonly outcome: 'allow' | 'refuse';
  /** The refusal's HTTP status; absent when allowed (the handler chooses its own). */
  readonly status?: number;
  /** The refusal's stable code; absent when allowed. */
  readonly code?: RefusalCode;
  /** The OAuth error code sent to the client, if any. */
  readonly error?: BearerErrorCode;
  readonly method: string;
  readonly path: string;
  /** Claims of a token that verified; absent when it did not get that far. */
  readonly sub?: string;
  readonly clientId?: string;
  readonly jti?: string;
  readonly issuer?: string;
  readonly requiredScopes: readonly string[];
  readonly grantedScopes: readonly string[];
  /** Milliseconds spent deciding. */
  readonly durationMs: number;
  /**
   * For a refused token: which claim (or the `typ` header) was missing, of the wrong type or
   * not accepted, the unverified value that did not match, and a hint such as a trailing-slash
   * issuer mismatch. Sanitised and bounded; for logs only, never sent to the client.
   */
  readonly detail?: RefusalDetail;
  /** For `internal_error`, `keys_unavailable` and `introspection_unavailable`: the underlying error, for logs only. */
  readonly cause?: unknown;
}

/**
 * Receives every {@link DecisionEvent}. It runs after the decision and cannot change it: whatever it
 * throws or rejects with is swallowed, so log inside it and do not rely on it for enforcement.
 */
export type DecisionHook = (event: DecisionEvent) => void | Promise<void>;

/** Calls the hook so that nothing it does, throwing or rejecting, can reach the request. */
export function emitDecision(hook: DecisionHook | undefined, event: DecisionEvent): void {
  if (hook === undefined) return;
  try {
    const result = hook(event) as unknown;
    if (typeof (result as Promise<void> | undefined)?.then === 'function')
      (result as Promise<void>).then(undefined, ignore);
  } catch {
    // A failing audit hook must not change the decision or crash the request.
  }
}

function ignore(): void {}
