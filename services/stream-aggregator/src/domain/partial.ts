import { ExactSum } from './exact-sum.js';
import { DDSketch, type SerializedSketch } from './sketch.js';

/**
 * The aggregate of one series over one window from one source (a shard, or any subset of events).
 * Partials merge exactly: count, min and max trivially, the sum through {@link ExactSum}, the
 * quantile sketch bin by bin. Merging is associative and commutative, so the merged result of the
 * per-shard partials equals the aggregate of all events, whatever the grouping.
 */
export class PartialAggregate {
  count = 0;
  readonly sum = new ExactSum();
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;
  /** Records applied after their window had closed (corrections). Informational. */
  lateCount = 0;
  readonly sketch: DDSketch;

  constructor(alpha?: number, maxBins?: number) {
    this.sketch = new DDSketch(alpha, maxBins);
  }

  /** Adds one observation. */
  add(value: number): void {
    this.count++;
    this.sum.add(value);
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    this.sketch.add(value);
  }

  /** Merges `other` into this partial (exact). */
  merge(other: PartialAggregate): void {
    this.count += other.count;
    this.sum.merge(other.sum);
    if (other.min < this.min) this.min = other.min;
    if (other.max > this.max) this.max = other.max;
    this.lateCount += other.lateCount;
    this.sketch.merge(other.sketch);
  }

  /** The window statistics; quantiles are clamped to the exact [min, max]. */
  stats(): WindowStats {
    const empty = this.count === 0;
    const clamp = (v: number): number => (empty ? 0 : Math.min(this.max, Math.max(this.min, v)));
    const sum = this.sum.value();
    return {
      count: this.count,
      sum,
      min: empty ? 0 : this.min,
      max: empty ? 0 : this.max,
      mean: empty ? 0 : sum / this.count,
      p50: clamp(this.sketch.quantile(0.5)),
      p90: clamp(this.sketch.quantile(0.9)),
      p99: clamp(this.sketch.quantile(0.99)),
    };
  }

  toJSON(): SerializedPartial {
    return {
      n: this.count,
      s: this.sum.toJSON(),
      lo: this.count === 0 ? null : this.min,
      hi: this.count === 0 ? null : this.max,
      late: this.lateCount,
      k: this.sketch.toJSON(),
    };
  }

  static fromJSON(j: SerializedPartial): PartialAggregate {
    const p = new PartialAggregate(j.k.alpha, j.k.maxBins);
    p.count = j.n;
    p.sum.merge(ExactSum.fromJSON(j.s));
    p.min = j.lo ?? Number.POSITIVE_INFINITY;
    p.max = j.hi ?? Number.NEGATIVE_INFINITY;
    p.lateCount = j.late;
    p.sketch.merge(DDSketch.fromJSON(j.k));
    return p;
  }

  clone(): PartialAggregate {
    return PartialAggregate.fromJSON(this.toJSON());
  }
}

/** Statistics of a window, as `metrics.window` carries them. */
export type WindowStats = {
  count: number;
  sum: number;
  min: number;
  max: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
};

/** Compact JSON of a {@link PartialAggregate} (state table attribute). */
export type SerializedPartial = {
  n: number;
  s: number[];
  lo: number | null;
  hi: number | null;
  late: number;
  k: SerializedSketch;
};
