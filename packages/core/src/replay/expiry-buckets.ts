/**
 * The in-memory replay store's expiry index: records grouped by their exact expiry time, the
 * groups in a binary min-heap. Expiry drops whole groups from the front of the heap, so it costs
 * O(expired) and never scans what is still live, whatever the store holds.
 */

/** One group: every record that expires at `until` (milliseconds; gate expiries are whole seconds). */
export interface Bucket {
  readonly until: number;
  /** The keys recorded into this group, released ones too, until the group is dropped. */
  readonly keys: string[];
  /** The estimated bytes the group's records hold, charged against the store's budget. */
  bytes: number;
}

export class ExpiryBuckets {
  readonly #byUntil = new Map<number, Bucket>();
  readonly #heap: Bucket[] = [];

  /** The group for `until`, created when there is none. */
  bucketFor(until: number): { bucket: Bucket; created: boolean } {
    const existing = this.#byUntil.get(until);
    if (existing !== undefined) return { bucket: existing, created: false };
    const bucket: Bucket = { until, keys: [], bytes: 0 };
    this.#byUntil.set(until, bucket);
    this.#push(bucket);
    return { bucket, created: true };
  }

  /** Removes and returns the earliest group if it expires at or before `limit`. */
  popExpired(limit: number): Bucket | undefined {
    const first = this.#heap[0];
    if (first === undefined || first.until > limit) return undefined;
    const last = this.#heap.pop() as Bucket;
    if (this.#heap.length > 0) {
      this.#heap[0] = last;
      this.#down(0);
    }
    this.#byUntil.delete(first.until);
    return first;
  }

  #push(bucket: Bucket): void {
    const heap = this.#heap;
    let i = heap.push(bucket) - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if ((heap[parent] as Bucket).until <= bucket.until) break;
      heap[i] = heap[parent] as Bucket;
      i = parent;
    }
    heap[i] = bucket;
  }

  #down(start: number): void {
    const heap = this.#heap;
    const item = heap[start] as Bucket;
    let i = start;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const child = right < heap.length && (heap[right] as Bucket).until < (heap[left] as Bucket).until ? right : left;
      if ((heap[child] as Bucket).until >= item.until) break;
      heap[i] = heap[child] as Bucket;
      i = child;
    }
    heap[i] = item;
  }
}
