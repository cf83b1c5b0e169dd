/**
 * Frequent items (Misra–Gries) with the mergeable-summaries merge of Agarwal, Cormode, Huang,
 * Phillips, Wei, Yi ("Mergeable Summaries", PODS 2012): at most `capacity` counters; a value's
 * reported count is below its true count by at most n / (capacity + 1) (n: values summarised), and
 * the bound survives any number of merges. Counts are exact while the distinct values fit.
 */
export class TopK {
  readonly counts = new Map<string, number>();

  constructor(readonly capacity: number) {}

  add(value: string): void {
    const c = this.counts.get(value);
    if (c !== undefined) {
      this.counts.set(value, c + 1);
      return;
    }
    if (this.counts.size < this.capacity) {
      this.counts.set(value, 1);
      return;
    }
    // Full: decrement every counter (the new value's 1 is cancelled too) and drop the zeros.
    for (const [k, v] of this.counts) {
      if (v === 1) this.counts.delete(k);
      else this.counts.set(k, v - 1);
    }
  }

  merge(other: TopK): void {
    for (const [k, v] of other.counts) this.counts.set(k, (this.counts.get(k) ?? 0) + v);
    if (this.counts.size <= this.capacity) return;
    // Subtract the (capacity + 1)-th largest count from all, keep the positive ones.
    const sorted = [...this.counts.values()].sort((a, b) => b - a);
    const cut = sorted[this.capacity]!;
    for (const [k, v] of this.counts) {
      if (v <= cut) this.counts.delete(k);
      else this.counts.set(k, v - cut);
    }
  }

  /** The `k` largest counters, largest first, ties by value (a deterministic order). */
  top(k: number): Array<{ value: string; count: number }> {
    return [...this.counts]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .slice(0, k)
      .map(([value, count]) => ({ value, count }));
  }
}
