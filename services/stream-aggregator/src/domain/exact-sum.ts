/**
 * An exact running sum of doubles (Shewchuk's non-overlapping partials, as in Python's `math.fsum`).
 *
 * Why not `a + b`: floating-point addition is not associative, so a plain running sum would depend on
 * how records were batched, which shard saw them and in which order partial aggregates were merged.
 * The partials represent the sum exactly; {@link ExactSum.value} rounds it once, correctly, so the
 * result depends only on the multiset of values. Typically 1–3 partials are kept.
 *
 * @example
 * const s = new ExactSum(); s.add(0.1); s.add(0.2); s.add(-0.1); s.value(); // 0.2
 */
export class ExactSum {
  /** Non-overlapping partials in increasing magnitude. */
  partials: number[] = [];
  /** Set once an intermediate sum overflowed; the exact representation is then lost. */
  private overflow = 0;

  add(x: number): void {
    const p = this.partials;
    let n = 0;
    for (let k = 0; k < p.length; k++) {
      let y = p[k]!;
      if (Math.abs(x) < Math.abs(y)) {
        const t = x;
        x = y;
        y = t;
      }
      const hi = x + y;
      if (!Number.isFinite(hi)) {
        this.overflow += hi;
        return;
      }
      const lo = y - (hi - x);
      if (lo !== 0) p[n++] = lo;
      x = hi;
    }
    p.length = n;
    if (x !== 0 || n === 0) p.push(x);
  }

  /** Adds every partial of `other` (exact). */
  merge(other: ExactSum): void {
    for (const x of other.partials) this.add(x);
    this.overflow += other.overflow;
  }

  /** The correctly rounded sum. */
  value(): number {
    if (this.overflow !== 0) return this.overflow;
    const p = this.partials;
    let n = p.length;
    if (n === 0) return 0;
    let hi = p[--n]!;
    let lo = 0;
    while (n > 0) {
      const x = hi;
      const y = p[--n]!;
      hi = x + y;
      const yr = hi - x;
      lo = y - yr;
      if (lo !== 0) break;
    }
    // Round half-even correctly when the remaining partials push the tie one way (fsum's last step).
    if (n > 0 && ((lo < 0 && p[n - 1]! < 0) || (lo > 0 && p[n - 1]! > 0))) {
      const y = lo * 2;
      const x = hi + y;
      const yr = x - hi;
      if (y === yr) hi = x;
    }
    return hi;
  }

  /** Serialised form: the partials (and the overflow marker when set). */
  toJSON(): number[] {
    return this.overflow !== 0 ? [this.overflow] : this.partials.slice();
  }

  /** Rebuilds from {@link ExactSum.toJSON}. */
  static fromJSON(partials: readonly number[]): ExactSum {
    const s = new ExactSum();
    for (const x of partials) s.add(x);
    return s;
  }
}
