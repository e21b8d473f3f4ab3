/**
 * Single-use token ids (`jti`) are recorded in a store that every server instance shares.
 *
 * A use is recorded under a fresh attempt id, so that a use the gate gave up on (the store
 * answered too late, or not at all) can be undone exactly: `release` removes that attempt's
 * record and nothing else. A refused request then never burns the token (the contract: a `jti`
 * is "never recorded when the guard refuses"), and the retry after `Retry-After` succeeds.
 *
 * The argument and the answer are objects so that the interface can grow without a break:
 * counted uses (`maxUses`, a window) will be further optional fields of `ReplayUse`, absent
 * meaning today's single use, and further fields of `ConsumeResult`.
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
}
