/**
 * The in-memory revocation store: one process only, bounded. When it is full of records that
 * have not expired it refuses new revocations (`revoke` rejects) rather than evict one: an
 * evicted record would let its revoked tokens through again.
 */
import { ConfigurationError, RevocationUnavailableError } from '../errors.js';
import { lookups, revokes, toRecord } from './record.js';
import type { Revocation, RevocationQuery, RevocationRecord, RevocationStore } from './types.js';

/** Options of {@link MemoryRevocationStore}. */
export interface MemoryRevocationStoreOptions {
  /** Most records held at once. Default 100000. */
  readonly maxEntries?: number;
  /** Seconds a record is kept when `revoke()` gives no `until`. Default 86400 (a day). */
  readonly retention?: number;
  /** The clock, in milliseconds. Default `Date.now`. */
  readonly now?: () => number;
}

interface Entry {
  /** The largest `before` recorded for this key (a later revocation of a user reaches further). */
  readonly before: number;
  /** Seconds. */
  readonly until: number;
}

function keyOf(kind: RevocationRecord['kind'], issuer: string | undefined, value: string): string {
  // JSON: no issuer or value can spell another record's key.
  return JSON.stringify([kind, issuer ?? null, value]);
}

/** A {@link RevocationStore} in this process; `@actiongate/redis` has one for a fleet. */
export class MemoryRevocationStore implements RevocationStore {
  readonly #records = new Map<string, Entry>();
  readonly #listeners = new Set<(record: RevocationRecord) => void>();
  readonly #maxEntries: number;
  readonly #retention: number;
  readonly #now: () => number;

  constructor(options: MemoryRevocationStoreOptions = {}) {
    const maxEntries = options.maxEntries ?? 100_000;
    if (!Number.isInteger(maxEntries) || maxEntries < 1) {
      throw new ConfigurationError('revocation.maxEntries', 'must be a whole number, 1 or more');
    }
    const retention = options.retention ?? 86_400;
    if (!Number.isInteger(retention) || retention < 1) {
      throw new ConfigurationError('revocation.retention', 'must be a whole number of seconds, 1 or more');
    }
    if (options.now !== undefined && typeof options.now !== 'function') {
      throw new ConfigurationError('revocation.now', 'must be a function returning milliseconds');
    }
    this.#maxEntries = maxEntries;
    this.#retention = retention;
    this.#now = options.now ?? Date.now;
  }

  /** Records currently held (expired ones may linger until the next sweep). */
  get size(): number {
    return this.#records.size;
  }

  isRevoked(query: RevocationQuery): boolean {
    const now = this.#now() / 1000;
    for (const [kind, value] of lookups(query)) {
      for (const issuer of [query.issuer, undefined]) {
        const entry = this.#records.get(keyOf(kind, issuer, value));
        if (entry !== undefined && entry.until > now && revokes(entry.before, query.iat)) return true;
      }
    }
    return false;
  }

  async revoke(revocation: Revocation): Promise<void> {
    this.add(toRecord(revocation, this.#now() / 1000, this.#retention));
  }

  /**
   * Adds a record made elsewhere (a shared store's mirror does), keeping the furthest `before`
   * and `until` of this key. Throws `RevocationUnavailableError` when full.
   */
  add(record: RevocationRecord): void {
    const key = keyOf(record.kind, record.issuer, record.value);
    const held = this.#records.get(key);
    if (held === undefined && this.#records.size >= this.#maxEntries) {
      this.#sweep();
      if (this.#records.size >= this.#maxEntries) throw new RevocationUnavailableError('the revocation store is full');
    }
    this.#records.set(key, {
      before: Math.max(record.before, held?.before ?? Number.NEGATIVE_INFINITY),
      until: Math.max(record.until, held?.until ?? 0),
    });
    for (const listener of this.#listeners) {
      try {
        listener(record);
      } catch {
        // A listener's failure is its own; the revocation is recorded.
      }
    }
  }

  subscribe(onRevoked: (record: RevocationRecord) => void): () => void {
    this.#listeners.add(onRevoked);
    return () => this.#listeners.delete(onRevoked);
  }

  #sweep(): void {
    const now = this.#now() / 1000;
    for (const [key, { until }] of this.#records) if (until <= now) this.#records.delete(key);
  }
}
