/**
 * The in-memory replay store: one process only, bounded. When it is full of entries that have
 * not expired it refuses new ones (the gate answers 503) rather than evicting: eviction would
 * forget a used `jti` and let its replay through.
 */
import { ConfigurationError, ReplayStoreUnavailableError } from '../errors.js';
import type { BudgetUse, ConsumeResult, ReplayStore, ReplayUse, SpendResult } from './types.js';

interface Entry {
  readonly until: number;
  /** A single use's attempt. */
  readonly attempt?: string;
  /** A budget's counted attempts, and the end of its window (milliseconds; infinite without one). */
  readonly budget?: { readonly attempts: Set<string>; readonly windowEnd: number };
}

/** Options of {@link MemoryReplayStore}. */
export interface MemoryReplayStoreOptions {
  /** Most entries held at once. Default 100000. */
  readonly maxEntries?: number;
  /** The clock, in milliseconds. Default `Date.now`. */
  readonly now?: () => number;
}

/**
 * The default {@link ReplayStore}: a map in this process, each entry kept until its token
 * expires. When `maxEntries` are held it refuses new uses with 503 rather than forget old ones,
 * which would let a replay through.
 */
export class MemoryReplayStore implements ReplayStore {
  readonly #used = new Map<string, Entry>();
  readonly #maxEntries: number;
  readonly #now: () => number;
  /** No entry expires before this: a sweep before then would find nothing (and cost O(n)). */
  #earliestExpiry = Number.POSITIVE_INFINITY;

  constructor(options: MemoryReplayStoreOptions = {}) {
    const maxEntries = options.maxEntries ?? 100_000;
    if (!Number.isInteger(maxEntries) || maxEntries < 1) {
      throw new ConfigurationError('replayStore.maxEntries', 'must be a whole number, 1 or more');
    }
    this.#maxEntries = maxEntries;
    this.#now = options.now ?? Date.now;
  }

  /** Entries currently held (expired ones may linger until the next sweep). */
  get size(): number {
    return this.#used.size;
  }

  async consume(key: string, use: ReplayUse): Promise<ConsumeResult> {
    const now = this.#now();
    const entry = this.#used.get(key);
    if (entry !== undefined && entry.until > now) return { first: false };
    this.#makeRoom(entry, now);
    this.#keep(key, { until: use.expiresAt, attempt: use.attempt });
    return { first: true };
  }

  async spend(key: string, use: BudgetUse): Promise<SpendResult> {
    // The gate's clock decides the window, as it would in a shared store.
    const now = use.now;
    const entry = this.#used.get(this.#budgetKey(key));
    const live = entry !== undefined && entry.until > this.#now() ? entry.budget : undefined;
    if (live !== undefined) {
      const used = live.attempts.size;
      if (used >= use.max || now >= live.windowEnd) return { allowed: false, used };
      live.attempts.add(use.attempt);
      return { allowed: true, used: used + 1 };
    }
    this.#makeRoom(entry, this.#now());
    const windowEnd = use.within === undefined ? Number.POSITIVE_INFINITY : now + use.within;
    this.#keep(this.#budgetKey(key), { until: use.expiresAt, budget: { attempts: new Set([use.attempt]), windowEnd } });
    return { allowed: true, used: 1 };
  }

  async release(key: string, attempt: string): Promise<void> {
    if (this.#used.get(key)?.attempt === attempt) this.#used.delete(key);
    // A budget's use: uncounted, the window (started by the first use) left as it is.
    this.#used.get(this.#budgetKey(key))?.budget?.attempts.delete(attempt);
  }

  /** Budgets and single uses never share an entry, whatever keys the gate hands out. */
  #budgetKey(key: string): string {
    return `budget\n${key}`;
  }

  #makeRoom(entry: Entry | undefined, now: number): void {
    if (entry === undefined && this.#used.size >= this.#maxEntries) {
      this.#sweep(now);
      if (this.#used.size >= this.#maxEntries) throw new ReplayStoreUnavailableError('the replay store is full');
    }
  }

  #keep(key: string, entry: Entry): void {
    this.#used.set(key, entry);
    if (entry.until < this.#earliestExpiry) this.#earliestExpiry = entry.until;
  }

  #sweep(now: number): void {
    if (now < this.#earliestExpiry) return;
    let earliest = Number.POSITIVE_INFINITY;
    for (const [key, { until }] of this.#used) {
      if (until <= now) this.#used.delete(key);
      else if (until < earliest) earliest = until;
    }
    this.#earliestExpiry = earliest;
  }
}
