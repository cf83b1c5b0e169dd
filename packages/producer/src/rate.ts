/**
 * A token bucket: `capacity` tokens, refilled continuously at `perSecond`. Kinesis meters each
 * shard's writes per second (1 MiB and 1000 records); staying under that avoids
 * ProvisionedThroughputExceeded retries that cost a round trip each.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    readonly capacity: number,
    readonly perSecond: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = capacity;
    this.last = now();
  }

  private refill(): void {
    const t = this.now();
    this.tokens = Math.min(this.capacity, this.tokens + ((t - this.last) / 1000) * this.perSecond);
    this.last = t;
  }

  /** Takes `n` tokens if available. A request above capacity is granted once the bucket is full. */
  tryTake(n: number): boolean {
    this.refill();
    const need = Math.min(n, this.capacity);
    if (this.tokens < need) return false;
    this.tokens -= n;
    return true;
  }

  /** Ms until `n` tokens are available. */
  waitMs(n: number): number {
    this.refill();
    const need = Math.min(n, this.capacity);
    return this.tokens >= need ? 0 : ((need - this.tokens) / this.perSecond) * 1000;
  }

  /** Empties the bucket: the service said we are over its limit. */
  drain(): void {
    this.refill();
    this.tokens = Math.min(this.tokens, 0);
  }
}

/** Full-jitter exponential backoff: uniform in [0, min(max, base·2^(attempt−1))]. */
export function backoffMs(
  attempt: number,
  baseMs: number,
  maxMs: number,
  random = Math.random,
): number {
  const cap = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * cap);
}
