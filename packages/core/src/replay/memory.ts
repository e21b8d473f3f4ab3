/**
 * The in-memory replay store: one process only, bounded by entries and by estimated bytes. When
 * it is full of entries that have not expired it refuses new ones (the gate answers 503) rather
 * than evicting: eviction would forget a used `jti` and let its replay through.
 *
 * Records are grouped by expiry time (expiry-buckets.ts), so expiry drops whole groups without
 * scanning live records: a store at its cap under a steady flood stays O(1) per request.
 */
import { ConfigurationError, ReplayStoreUnavailableError } from '../errors.js';
import { type Bucket, ExpiryBuckets } from './expiry-buckets.js';
import type { BudgetUse, ConsumeResult, ReplayStore, ReplayUse, SpendResult } from './types.js';

/** A budget's counted attempts, and the end of its window (milliseconds; infinite without one). */
interface Budget {
  readonly attempts: Set<string>;
  readonly windowEnd: number;
}

/** One key's record: its expiry group, and the single use's attempt or the budget's count. */
class UseRecord {
  constructor(
    readonly bucket: Bucket,
    readonly attempt: string | undefined,
    readonly budget: Budget | undefined,
  ) {}
}

/** Options of {@link MemoryReplayStore}. */
export interface MemoryReplayStoreOptions {
  /** Most entries held at once. Default 1000000. */
  readonly maxEntries?: number;
  /**
   * Most bytes the entries may hold, as estimated from their keys and attempt ids (about 300
   * bytes for a DPoP proof's entry). Default 128 MiB.
   */
  readonly maxBytes?: number;
  /** The clock, in milliseconds. Default `Date.now`. */
  readonly now?: () => number;
}

/** The structures around one entry (map slot, record, group slot, string headers), estimated. */
const ENTRY_OVERHEAD = 160;
const GROUP_OVERHEAD = 120;
/**
 * Expired records are kept this long while there is room, so that a clock stepped back by up to
 * this much still finds them; when the store is full they go at once, at their exact expiry.
 */
const GRACE_MS = 60_000;
const TWO_BYTE = /[\u0100-\uffff]/;

function stringBytes(value: string): number {
  return TWO_BYTE.test(value) ? 2 * value.length : value.length;
}

/**
 * V8 builds strings made by concatenation (such as `crypto.randomUUID()`'s) as trees of parts,
 * several times the size of the flat string; reading a character flattens one in place. Kept
 * strings are flattened once, so an entry holds what its estimate says.
 */
function flat(value: string): string {
  value.charCodeAt(0);
  return value;
}

/**
 * The default {@link ReplayStore}: a map in this process, each entry kept until its token or
 * proof expires. When `maxEntries` or `maxBytes` are reached it refuses new uses with 503 rather
 * than forget old ones, which would let a replay through.
 */
export class MemoryReplayStore implements ReplayStore {
  readonly #records = new Map<string, UseRecord>();
  readonly #buckets = new ExpiryBuckets();
  readonly #maxEntries: number;
  readonly #maxBytes: number;
  readonly #now: () => number;
  /** Records in groups not yet dropped (released and replaced ones included), and their bytes. */
  #slots = 0;
  #bytes = 0;

  constructor(options: MemoryReplayStoreOptions = {}) {
    const maxEntries = options.maxEntries ?? 1_000_000;
    if (!Number.isInteger(maxEntries) || maxEntries < 1) {
      throw new ConfigurationError('replayStore.maxEntries', 'must be a whole number, 1 or more');
    }
    const maxBytes = options.maxBytes ?? 128 * 1024 * 1024;
    if (!Number.isInteger(maxBytes) || maxBytes < 1024) {
      throw new ConfigurationError('replayStore.maxBytes', 'must be a whole number of bytes, 1024 or more');
    }
    this.#maxEntries = maxEntries;
    this.#maxBytes = maxBytes;
    this.#now = options.now ?? Date.now;
  }

  /** Entries currently held (expired ones may linger a while, until their group is dropped). */
  get size(): number {
    return this.#records.size;
  }

  /** The estimated bytes held, against `maxBytes`. */
  get bytes(): number {
    return this.#bytes;
  }

  async consume(key: string, use: ReplayUse): Promise<ConsumeResult> {
    const now = this.#now();
    this.#expire(now - GRACE_MS);
    if (this.#live(this.#records.get(key), now)) return { first: false };
    const attempt = flat(use.attempt);
    const bucket = this.#room(key, use.expiresAt, ENTRY_OVERHEAD + stringBytes(key) + stringBytes(attempt), now);
    this.#records.set(key, new UseRecord(bucket, attempt, undefined));
    return { first: true };
  }

  async spend(key: string, use: BudgetUse): Promise<SpendResult> {
    const budgetKey = `budget\n${key}`; // budgets and single uses never share an entry
    const now = this.#now();
    this.#expire(now - GRACE_MS);
    const record = this.#records.get(budgetKey);
    // The gate's clock decides the window, as it would in a shared store.
    const live = this.#live(record, now) ? record?.budget : undefined;
    if (record !== undefined && live !== undefined) {
      const used = live.attempts.size;
      if (used >= use.max || use.now >= live.windowEnd) return { allowed: false, used };
      const bytes = ENTRY_OVERHEAD + stringBytes(use.attempt);
      if (this.#bytes + bytes > this.#maxBytes) throw new ReplayStoreUnavailableError('the replay store is full');
      live.attempts.add(flat(use.attempt));
      record.bucket.bytes += bytes;
      this.#bytes += bytes;
      return { allowed: true, used: used + 1 };
    }
    const attempt = flat(use.attempt);
    const bucket = this.#room(
      budgetKey,
      use.expiresAt,
      2 * ENTRY_OVERHEAD + stringBytes(key) + stringBytes(attempt),
      now,
    );
    const windowEnd = use.within === undefined ? Number.POSITIVE_INFINITY : use.now + use.within;
    this.#records.set(budgetKey, new UseRecord(bucket, undefined, { attempts: new Set([attempt]), windowEnd }));
    return { allowed: true, used: 1 };
  }

  async release(key: string, attempt: string): Promise<void> {
    if (this.#records.get(key)?.attempt === attempt) this.#records.delete(key);
    // A budget's use: uncounted, the window (started by the first use) left as it is.
    this.#records.get(`budget\n${key}`)?.budget?.attempts.delete(attempt);
  }

  #live(record: UseRecord | undefined, now: number): boolean {
    return record !== undefined && record.bucket.until > now;
  }

  /**
   * The group a new record of `bytes` joins, once there is room for it: expired groups are
   * dropped first, at their exact expiry; if live records still fill the store, 503.
   */
  #room(key: string, expiresAt: number, bytes: number, now: number): Bucket {
    // An expiry that is not a number is kept for good: never a replay for a caller's mistake.
    const until = Number.isNaN(expiresAt) ? Number.POSITIVE_INFINITY : expiresAt;
    const needed = () => this.#slots + 1 > this.#maxEntries || this.#bytes + bytes + GROUP_OVERHEAD > this.#maxBytes;
    if (needed()) {
      this.#expire(now);
      if (needed()) throw new ReplayStoreUnavailableError('the replay store is full');
    }
    const { bucket, created } = this.#buckets.bucketFor(until);
    const charged = created ? bytes + GROUP_OVERHEAD : bytes;
    bucket.keys.push(flat(key));
    bucket.bytes += charged;
    this.#slots += 1;
    this.#bytes += charged;
    return bucket;
  }

  /** Drops every group that expired at or before `limit`, with the records still in it. */
  #expire(limit: number): void {
    for (let bucket = this.#buckets.popExpired(limit); bucket; bucket = this.#buckets.popExpired(limit)) {
      for (const key of bucket.keys) {
        // A key released and recorded again belongs to a later group: left alone.
        if (this.#records.get(key)?.bucket === bucket) this.#records.delete(key);
      }
      this.#slots -= bucket.keys.length;
      this.#bytes -= bucket.bytes;
    }
  }
}
