/**
 * A DDSketch-style quantile sketch (Masson, Rim, Lee: "DDSketch: a fast and fully-mergeable quantile
 * sketch with relative-error guarantees", VLDB 2019).
 *
 * Guarantee: for a quantile q, the returned value v̂ satisfies |v̂ − v| ≤ alpha·|v|, where v is the
 * exact value of rank ⌊q·(n−1)⌋ in the sorted input, as long as v's bin was not collapsed (below).
 *
 * Mapping: a positive value x goes to bin i = ⌈log_γ(x)⌉ with γ = (1+α)/(1−α); the bin's
 * representative value 2γ^i/(γ+1) is within α of every x in (γ^(i−1), γ^i]. Negative values use a
 * second store keyed by |x|; values with |x| below {@link MIN_INDEXABLE} (zero included) are counted
 * in a zero bin.
 *
 * Bounded memory: each store keeps at most `maxBins` consecutive bin indexes. When a value would widen
 * a store past that, the bins at the low-accuracy end are collapsed into the last kept bin:
 * - positive store: the **lowest** indexes (the smallest positive values) collapse upwards;
 * - negative store: the **highest** indexes (the most negative values) collapse downwards;
 * so the upper quantiles (p90, p99: what alerting uses) keep their guarantee and only the extreme low
 * end loses it. The kept index range depends only on the largest (positive) / smallest (negative)
 * index ever seen, never on insertion order, so collapsing commutes with merging: merging sketches
 * in any grouping or order gives bit-identical bins. With α = 0.01 and 2048 bins a store spans a
 * ratio of about 6·10^17 between its smallest and largest value before anything collapses.
 *
 * @example
 * const s = new DDSketch();
 * for (const v of [1, 2, 3, 100]) s.add(v);
 * s.quantile(0.5); // ≈ 2 (within 1 %)
 */
export class DDSketch {
  readonly alpha: number;
  readonly maxBins: number;
  private readonly gamma: number;
  private readonly invLogGamma: number;
  private readonly pos: BinStore;
  private readonly neg: BinStore;
  private zeros = 0;
  /**
   * Values added but not yet binned. Most partial aggregates of a batch see a handful of values
   * spread over hundreds of bins; binning them lazily (at most PENDING_LIMIT at a time, and before
   * any read) avoids growing a dense bin array per partial. Binning is a pure function of the value,
   * so the result is identical to binning eagerly.
   */
  private pending: number[] = [];

  constructor(alpha: number = DEFAULT_ALPHA, maxBins: number = DEFAULT_MAX_BINS) {
    if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha must be in (0, 1), got ${alpha}`);
    if (!(Number.isInteger(maxBins) && maxBins >= 16)) {
      throw new RangeError(`maxBins must be an integer ≥ 16, got ${maxBins}`);
    }
    this.alpha = alpha;
    this.maxBins = maxBins;
    // A batch builds thousands of sketches with one alpha: compute its constants once.
    if (alpha !== lastAlpha) {
      lastAlpha = alpha;
      lastGamma = (1 + alpha) / (1 - alpha);
      lastInvLogGamma = 1 / Math.log(lastGamma);
    }
    this.gamma = lastGamma;
    this.invLogGamma = lastInvLogGamma;
    this.pos = new BinStore(maxBins, 'low');
    this.neg = new BinStore(maxBins, 'high');
  }

  /** Store of positive values, keyed by bin index. */
  get positive(): BinStore {
    this.settle();
    return this.pos;
  }

  /** Store of negative values, keyed by the bin index of |x|. */
  get negative(): BinStore {
    this.settle();
    return this.neg;
  }

  /** Values counted in the zero bin. */
  get zeroCount(): number {
    this.settle();
    return this.zeros;
  }

  /** Total number of values added (including merged sketches). */
  get count(): number {
    return this.pos.total + this.neg.total + this.zeros + this.pending.length;
  }

  /** Adds one value. Non-finite values are the caller's to reject. */
  add(value: number): void {
    const p = this.pending;
    p.push(value);
    if (p.length >= PENDING_LIMIT) this.settle();
  }

  /** Adds one value `weight` times, binned at once. */
  addWeighted(value: number, weight: number): void {
    this.settle();
    this.bin(value, weight);
  }

  private bin(value: number, weight: number): void {
    if (value >= MIN_INDEXABLE) {
      this.pos.add(Math.ceil(Math.log(value) * this.invLogGamma), weight);
    } else if (value <= -MIN_INDEXABLE) {
      this.neg.add(Math.ceil(Math.log(-value) * this.invLogGamma), weight);
    } else {
      this.zeros += weight;
    }
  }

  /** Bins the pending values. */
  private settle(): void {
    const p = this.pending;
    if (p.length === 0) return;
    for (let i = 0; i < p.length; i++) this.bin(p[i]!, 1);
    p.length = 0;
  }

  /** Merges `other` into this sketch; both must have the same alpha and maxBins. */
  merge(other: DDSketch): void {
    if (other.alpha !== this.alpha || other.maxBins !== this.maxBins) {
      throw new RangeError(
        `cannot merge sketches with different parameters (alpha ${this.alpha}/${other.alpha}, maxBins ${this.maxBins}/${other.maxBins})`,
      );
    }
    this.settle();
    other.settle();
    this.pos.mergeFrom(other.pos);
    this.neg.mergeFrom(other.neg);
    this.zeros += other.zeros;
  }

  /**
   * The value at quantile q ∈ [0, 1] (rank ⌊q·(n−1)⌋, lower-rank convention), or NaN when empty.
   * Callers that know the exact min/max should clamp to them (see {@link PartialAggregate}).
   */
  quantile(q: number): number {
    this.settle();
    const n = this.count;
    if (n === 0 || !(q >= 0 && q <= 1)) return Number.NaN;
    const rank = Math.floor(q * (n - 1));
    // Ascending value order: negative store from the most negative (highest |x| index) down, zeros,
    // then the positive store from the lowest index up.
    let seen = 0;
    const neg = this.neg;
    for (let i = neg.bins.length - 1; i >= 0; i--) {
      seen += neg.bins[i]!;
      if (seen > rank) return -this.valueOf(neg.offset + i);
    }
    seen += this.zeros;
    if (seen > rank) return 0;
    const pos = this.pos;
    for (let i = 0; i < pos.bins.length; i++) {
      seen += pos.bins[i]!;
      if (seen > rank) return this.valueOf(pos.offset + i);
    }
    // Unreachable when the counts are consistent; return the top bin rather than throw.
    return pos.bins.length > 0 ? this.valueOf(pos.offset + pos.bins.length - 1) : 0;
  }

  /** A deep copy. */
  clone(): DDSketch {
    const c = new DDSketch(this.alpha, this.maxBins);
    c.merge(this);
    return c;
  }

  /** Compact JSON form: contiguous bin arrays with their starting index. */
  toJSON(): SerializedSketch {
    this.settle();
    return {
      alpha: this.alpha,
      maxBins: this.maxBins,
      zero: this.zeros,
      pos: this.pos.toJSON(),
      neg: this.neg.toJSON(),
    };
  }

  /** Rebuilds a sketch from {@link DDSketch.toJSON}'s output. */
  static fromJSON(s: SerializedSketch): DDSketch {
    const d = new DDSketch(s.alpha, s.maxBins);
    d.zeros = s.zero;
    d.pos.load(s.pos);
    d.neg.load(s.neg);
    return d;
  }

  /** True when both sketches hold exactly the same bins. */
  equals(other: DDSketch): boolean {
    return JSON.stringify(this.toJSON()) === JSON.stringify(other.toJSON());
  }

  private valueOf(index: number): number {
    return (2 * this.gamma ** index) / (this.gamma + 1);
  }
}

let lastAlpha = Number.NaN;
let lastGamma = Number.NaN;
let lastInvLogGamma = Number.NaN;

export const DEFAULT_ALPHA = 0.01;
export const DEFAULT_MAX_BINS = 2048;
/** Values with a smaller magnitude count as zero (below it log() loses the relative guarantee). */
export const MIN_INDEXABLE = 2.2250738585072014e-308;
const PENDING_LIMIT = 64;

/** Serialised {@link DDSketch}: what `MetricsWindow.data.sketch` and the state table hold. */
export type SerializedSketch = {
  alpha: number;
  maxBins: number;
  zero: number;
  pos: SerializedBins;
  neg: SerializedBins;
};
/** `o`: index of the first bin, `c`: counts of consecutive bins. */
export type SerializedBins = { o: number; c: number[] };

/**
 * Counts per consecutive bin index, bounded to `maxBins` indexes. `collapse` names the end that
 * gives way when the range would grow past the bound.
 */
export class BinStore {
  bins: number[] = [];
  offset = 0;
  total = 0;
  /** Largest (collapse 'low') or smallest (collapse 'high') index ever seen: fixes the kept range. */
  private anchor = 0;

  constructor(
    private readonly maxBins: number,
    private readonly collapse: 'low' | 'high',
  ) {}

  add(index: number, weight: number): void {
    this.total += weight;
    const bins = this.bins;
    if (bins.length === 0) {
      this.offset = index;
      this.anchor = index;
      bins.push(weight);
      return;
    }
    const rel = index - this.offset;
    if (rel >= 0 && rel < bins.length) {
      bins[rel]! += weight;
      return;
    }
    this.extendTo(index);
    const r = Math.min(Math.max(index - this.offset, 0), this.bins.length - 1);
    this.bins[r]! += weight;
  }

  mergeFrom(other: BinStore): void {
    if (other.bins.length === 0) return;
    const lo = other.offset;
    const hi = other.offset + other.bins.length - 1;
    if (this.bins.length === 0) {
      this.offset = lo;
      this.anchor = other.anchor;
      this.bins = other.bins.slice();
      this.total = other.total;
      this.enforce();
      return;
    }
    this.total += other.total;
    // The anchor is the extreme index ever seen on either side; merge keeps it so that the kept
    // range (and thus the result) does not depend on how the inputs were grouped.
    this.extendTo(lo);
    this.extendTo(hi);
    this.noteAnchor(other.anchor);
    this.enforce();
    const ob = other.bins;
    for (let i = 0; i < ob.length; i++) {
      const c = ob[i]!;
      if (c === 0) continue;
      const r = Math.min(Math.max(lo + i - this.offset, 0), this.bins.length - 1);
      this.bins[r]! += c;
    }
  }

  toJSON(): SerializedBins {
    return { o: this.offset, c: this.bins.slice() };
  }

  load(s: SerializedBins): void {
    this.offset = s.o;
    this.bins = s.c.slice();
    this.total = 0;
    for (const c of s.c) this.total += c;
    this.anchor = this.collapse === 'low' ? s.o + s.c.length - 1 : s.o;
  }

  private noteAnchor(a: number): void {
    if (this.collapse === 'low' ? a > this.anchor : a < this.anchor) this.anchor = a;
  }

  /** Grows the array so that `index` fits (or lands on the collapsed edge), keeping the bound. */
  private extendTo(index: number): void {
    const bins = this.bins;
    const hi = this.offset + bins.length - 1;
    if (index > hi) {
      for (let i = hi; i < index; i++) bins.push(0);
    } else if (index < this.offset) {
      const grow = this.offset - index;
      const pad = new Array<number>(grow).fill(0);
      this.bins = pad.concat(bins);
      this.offset = index;
    }
    this.noteAnchor(index);
    this.enforce();
  }

  /** Folds the bins outside [anchor − maxBins + 1, anchor] (or the mirror) into the kept edge. */
  private enforce(): void {
    const bins = this.bins;
    if (this.collapse === 'low') {
      const keepLo = this.anchor - this.maxBins + 1;
      if (this.offset < keepLo) {
        const cut = keepLo - this.offset;
        let folded = 0;
        for (let i = 0; i < cut && i < bins.length; i++) folded += bins[i]!;
        this.bins = bins.slice(cut);
        this.offset = keepLo;
        if (this.bins.length === 0) this.bins.push(0);
        this.bins[0]! += folded;
      }
      // Trailing bins above the anchor cannot exist (the anchor is the highest index seen).
    } else {
      const keepHi = this.anchor + this.maxBins - 1;
      const hi = this.offset + bins.length - 1;
      if (hi > keepHi) {
        const keepLen = keepHi - this.offset + 1;
        let folded = 0;
        for (let i = Math.max(keepLen, 0); i < bins.length; i++) folded += bins[i]!;
        this.bins = bins.slice(0, Math.max(keepLen, 1));
        this.bins[this.bins.length - 1]! += folded;
      }
    }
  }
}
