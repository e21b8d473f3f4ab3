/**
 * Backoff after failed fetches: growing, jittered and capped. The n-th consecutive failure
 * waits a random time in [d/2, d] where d = min(max, initial · 2^(n-1)) ("equal jitter").
 * Unlike full jitter it never waits less than half the step, so an outage of T ms costs at most
 * about log2(max/initial) + T/(max/2) fetches from each process, whatever the dice say,
 * while the random half still spreads a fleet's retries apart.
 */
export interface BackoffOptions {
  /** Milliseconds before the first retry (upper bound of its jitter). */
  readonly initial: number;
  /** Milliseconds, the most any retry waits. */
  readonly max: number;
}

export class Backoff {
  private failures = 0;
  /** Clock time before which no fetch may start; 0 when healthy. */
  retryAt = 0;

  constructor(
    private readonly options: BackoffOptions,
    private readonly random: () => number = Math.random,
  ) {}

  failed(now: number): void {
    this.failures++;
    const step = Math.min(this.options.max, this.options.initial * 2 ** Math.min(this.failures - 1, 30));
    this.retryAt = now + Math.ceil(step / 2 + (this.random() * step) / 2);
  }

  succeeded(): void {
    this.failures = 0;
    this.retryAt = 0;
  }

  /** Whole seconds until a fetch may be tried again (RFC 9110 §10.2.3), at least 1. */
  secondsLeft(now: number): number {
    return Math.max(1, Math.ceil((this.retryAt - now) / 1000));
  }
}
