/**
 * The resource owner's inbox: every CIBA request waits here until the user approves or denies
 * it out of band (the approval page, a terminal prompt, or the demo's auto-approver). It also
 * limits approval requests per user and client, so that a client cannot flood a user with
 * prompts: the excess is refused before anyone is asked.
 */
import type { EventEmitter } from 'node:events';

export interface PendingApproval {
  /** The approval's own id: random, unguessable, and never the `auth_req_id` the client holds. */
  readonly id: string;
  readonly accountId: string;
  readonly clientId: string;
  readonly scope: string;
  readonly acrValues: string | undefined;
  readonly bindingMessage: string | undefined;
  readonly authorizationDetails: readonly Record<string, unknown>[] | undefined;
  readonly resource: string | undefined;
  readonly createdAt: number;
  /** Epoch milliseconds after which the CIBA request has expired and a decision is moot. */
  readonly expiresAt: number;
}

export type Decision = 'approve' | 'deny';

export interface ApprovalInbox {
  /** Emits `pending` with a `PendingApproval` for every new request. */
  readonly events: EventEmitter<{ pending: [PendingApproval]; decided: [PendingApproval, Decision] }>;
  /** The requests waiting for `accountId`, oldest first. */
  list(accountId: string): PendingApproval[];
  /**
   * Applies a decision, once: `false` when the approval is unknown, already decided, or (when
   * `accountId` is given, as the inbox pages always do) someone else's. In-process only: over
   * HTTP a decision needs the user's session and CSRF token (approval-page.ts).
   */
  decide(id: string, decision: Decision, accountId?: string): Promise<boolean>;
}

export class RateLimiter {
  readonly #seen = new Map<string, number[]>();

  constructor(
    readonly limit: number,
    readonly windowMs: number,
  ) {}

  /** Records an attempt for `key`; `false` when the key is over its limit in the window. */
  allow(key: string, now = Date.now()): boolean {
    const recent = (this.#seen.get(key) ?? []).filter((at) => now - at < this.windowMs);
    if (recent.length >= this.limit) {
      this.#seen.set(key, recent);
      return false;
    }
    recent.push(now);
    this.#seen.set(key, recent);
    return true;
  }
}
