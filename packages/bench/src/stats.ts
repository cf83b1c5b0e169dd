/** Summary of one implementation's samples (milliseconds). */
export interface SampleStats {
  readonly n: number;
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly mean: number;
  /** 25th and 75th percentiles (linear interpolation). */
  readonly p25: number;
  readonly p75: number;
}

function sorted(samples: readonly number[]): number[] {
  return [...samples].sort((a, b) => a - b);
}

/**
 * Quantile q in [0, 1] with linear interpolation between closest ranks (type 7, as R and NumPy).
 * Throws RangeError on an empty sample.
 */
export function quantile(samples: readonly number[], q: number): number {
  if (samples.length === 0) throw new RangeError('quantile of an empty sample');
  if (q < 0 || q > 1 || Number.isNaN(q)) throw new RangeError(`quantile ${q} outside [0, 1]`);
  const s = sorted(samples);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = s[lo] as number;
  const b = s[hi] as number;
  return a + (b - a) * (pos - lo);
}

/** Median (the mean of the two middle values for an even count). */
export function median(samples: readonly number[]): number {
  return quantile(samples, 0.5);
}

/**
 * Summarises samples.
 *
 * @example
 * summarize([3, 1, 2]); // { n: 3, median: 2, min: 1, max: 3, mean: 2, p25: 1.5, p75: 2.5 }
 */
export function summarize(samples: readonly number[]): SampleStats {
  if (samples.length === 0) throw new RangeError('summary of an empty sample');
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let total = 0;
  for (const x of samples) {
    if (x < min) min = x;
    if (x > max) max = x;
    total += x;
  }
  return {
    n: samples.length,
    median: median(samples),
    min,
    max,
    mean: total / samples.length,
    p25: quantile(samples, 0.25),
    p75: quantile(samples, 0.75),
  };
}

/** Ratio of a median to the floor's median; undefined without a floor. */
export function ratioTo(value: number, floor: number | undefined): number | undefined {
  return floor === undefined || floor <= 0 ? undefined : value / floor;
}
