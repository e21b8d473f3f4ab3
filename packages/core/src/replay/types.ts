/**
 * Single-use token ids (`jti`) are recorded in a store that every server instance shares.
 */
export interface ReplayStore {
  /**
   * Records `key` as used until `expiresAt` (milliseconds since the epoch), atomically.
   * Resolves `true` for the first use and `false` for every later one. Rejects (never resolves
   * `true`) when the store cannot answer: the gate then fails closed with 503.
   */
  consume(key: string, expiresAt: number): Promise<boolean>;
}
