/**
 * The resource owner's inbox: every CIBA request waits here until the user approves or denies
 * it out of band (the approval page, a terminal prompt, or the demo's auto-approver). It also
 * limits approval requests per user and client, so that a client cannot flood a user with
 * prompts: the excess is refused before anyone is asked.
 */
import type { EventEmitter } from 'node:events';

export interface PendingApproval {
  readonly id: string;
  readonly accountId: string;
  readonly clientId: string;
  readonly scope: string;
  readonly acrValues: string | undefined;
  readonly bindingMessage: string | undefined;
  readonly authorizationDetails: readonly Record<string, unknown>[] | undefined;
  readonly resource: string | undefined;
  readonly createdAt: number;
}

export type Decision = 'approve' | 'deny';

export interface ApprovalInbox {
  /** Emits `pending` with a `PendingApproval` for every new request. */
  readonly events: EventEmitter<{ pending: [PendingApproval]; decided: [PendingApproval, Decision] }>;
  list(): PendingApproval[];
  /** Applies the user's decision; `false` when the request is unknown or already decided. */
  decide(id: string, decision: Decision): Promise<boolean>;
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
