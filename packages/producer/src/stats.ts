/** Latency percentiles over the most recent samples (a ring buffer, so memory stays bounded). */
export class LatencyStats {
  private readonly samples: Float64Array;
  private n = 0;

  constructor(capacity = 8192) {
    this.samples = new Float64Array(capacity);
  }

  add(ms: number): void {
    this.samples[this.n % this.samples.length] = ms;
    this.n++;
  }

  summary(): { count: number; p50: number; p90: number; p99: number; max: number } {
    const len = Math.min(this.n, this.samples.length);
    if (len === 0) return { count: 0, p50: 0, p90: 0, p99: 0, max: 0 };
    const sorted = this.samples.slice(0, len).sort();
    const at = (q: number) => sorted[Math.min(len - 1, Math.floor(q * len))] as number;
    return {
      count: this.n,
      p50: at(0.5),
      p90: at(0.9),
      p99: at(0.99),
      max: sorted[len - 1] as number,
    };
  }
}

/**
 * Bounded in-flight bytes: `acquire` waits (FIFO) until the bytes fit. A single request larger
 * than the limit is admitted alone, so it cannot deadlock.
 */
export class ByteBudget {
  private used = 0;
  private readonly waiters: { bytes: number; resolve: () => void }[] = [];

  constructor(readonly limit: number) {}

  get inUse(): number {
    return this.used;
  }

  get waiting(): number {
    return this.waiters.length;
  }

  acquire(bytes: number): Promise<void> | undefined {
    if (this.waiters.length === 0 && (this.used + bytes <= this.limit || this.used === 0)) {
      this.used += bytes;
      return undefined;
    }
    return new Promise((resolve) => this.waiters.push({ bytes, resolve }));
  }

  release(bytes: number): void {
    this.used -= bytes;
    while (this.waiters.length > 0) {
      const w = this.waiters[0] as { bytes: number; resolve: () => void };
      if (this.used + w.bytes > this.limit && this.used !== 0) break;
      this.waiters.shift();
      this.used += w.bytes;
      w.resolve();
    }
  }
}
