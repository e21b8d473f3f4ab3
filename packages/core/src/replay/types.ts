/**
 * Single-use token ids (`jti`) are recorded in a store that every server instance shares.
 *
 * A use is recorded under a fresh attempt id, so that a use the gate gave up on (the store
 * answered too late, or not at all) can be undone exactly: `release` removes that attempt's
 * record and nothing else. A refused request then never burns the token (the contract: a `jti`
 * is "never recorded when the guard refuses"), and the retry after `Retry-After` succeeds.
 *
 * Use budgets (an action's `uses: { max, within }`) are counted by `spend`, under keys of their
 * own; `release` undoes a counted use exactly as it undoes a single use.
 */
export interface ReplayUse {
  /** Keep the record until then, in milliseconds since the epoch. */
  readonly expiresAt: number;
  /** This attempt's id: random and unique; `release(key, attempt)` undoes exactly this use. */
  readonly attempt: string;
}

/** What {@link ReplayStore.consume} answers. */
export interface ConsumeResult {
  /** `true` for the first use of the key, `false` for every later one (a replay). */
  readonly first: boolean;
}

/** One counted use of a budget: {@link ReplayStore.spend}. */
export interface BudgetUse extends ReplayUse {
  /** Uses the budget allows, 1 or more. */
  readonly max: number;
  /**
   * Milliseconds from the first use after which the budget is spent whatever is left of it;
   * `undefined`: no window (the budget lasts until `expiresAt`).
   */
  readonly within?: number | undefined;
  /** The gate's clock, in milliseconds since the epoch: the window is measured on it. */
  readonly now: number;
}

/** What {@link ReplayStore.spend} answers. */
export interface SpendResult {
  /** `true` when this use was counted (within `max` and the window); `false` when spent. */
  readonly allowed: boolean;
  /** Uses counted so far, this one included when allowed. */
  readonly used: number;
}

/**
 * Where single-use token ids are recorded until the token expires, so that each allows one
 * request. The default {@link MemoryReplayStore} serves one process; use `@actiongate/redis`
 * when several processes serve the same resource.
 */
export interface ReplayStore {
  /**
   * Records one use of `key` under `use.attempt`, atomically. Rejects (never resolves with
   * `first: true`) when the store cannot answer: the gate then fails closed with 503.
   */
  consume(key: string, use: ReplayUse): Promise<ConsumeResult>;
  /**
   * Undoes the use recorded by `attempt`, if it is still the one recorded for `key`; otherwise
   * does nothing. Called when the gate refused the request although the use may have been
   * recorded (the store answered too late or failed). It must be ordered after that attempt's
   * `consume` (e.g. the same connection) and safe to repeat.
   */
  release(key: string, attempt: string): Promise<void>;
  /**
   * Counts one use of the budget `key` under `use.attempt`, atomically: of any number of
   * concurrent calls, exactly `max` (less any already counted) are allowed. The first use starts
   * the window; after it, or after `max` uses, every call answers `allowed: false`. Rejects when
   * the store cannot answer (503). `release(key, attempt)` undoes exactly this use. Needed only
   * when an action declares `uses`; the gate checks for it at start-up.
   */
  spend?(key: string, use: BudgetUse): Promise<SpendResult>;
}
