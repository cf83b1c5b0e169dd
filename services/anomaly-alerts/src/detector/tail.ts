/**
 * A long-memory tail test: how extreme is a value among the values of the last weeks?
 *
 * The short-memory tests compare a value with a level and a scale learnt over about a day, so a
 * series that has been quiet for a day calls its usual weekly peak a surprise, and one that has
 * been wild for a day forgives anything. This test keeps the distribution of weeks of values in a
 * histogram of `TAIL_BINS` equal bins and asks what fraction of it was at least as extreme (an
 * empirical p-value, calibrated whatever the shape of the distribution). Beyond the top 2% it
 * uses the peaks-over-threshold model of extreme-value theory (Pickands–Balkema–de Haan; the
 * streaming form is Siffer et al., KDD 2017, whose default threshold is the 98th percentile):
 * excesses over the threshold are exponential, with their mean as scale, so a value past
 * anything seen still gets a p-value that falls smoothly with its distance.
 *
 * Layout of a sketch (one number[]): [lo, width, count_0 .. count_{B−1}]. Bin i covers
 * [lo + i·width, lo + (i + 1)·width). `width` is a power of two and `lo` a multiple of it, so
 * widening the range (doubling the width, merging bins) moves whole bins and loses nothing.
 * Counts are halved when their total reaches the memory, as the calibration's are.
 */

/**
 * Bins per sketch: 32 equal bins resolve a distribution to 1/32 of its range; with two sketches the
 * stored state of a 7-feature series stays in one DynamoDB write unit.
 */
export const TAIL_BINS = 32;
const LO = 0;
const WIDTH = 1;
const C0 = 2;
export const TAIL_FIELDS = C0 + TAIL_BINS;
/** Tail fraction modelled by peaks over threshold (past the 98th percentile; Siffer et al.). */
const POT_FRACTION = 0.02;
/**
 * Fewest points past u for the exponential fit: the mean of k exponential excesses has a relative
 * standard error of 1/√k, ±32% at 10. With fewer (a series younger than 500 points), values past
 * u are judged by the sketch alone, never below half a count: a young series does not shout.
 */
const MIN_EXCEEDANCES = 10;

/** A fresh, empty sketch. */
export function newTail(): number[] {
  return new Array<number>(TAIL_FIELDS).fill(0);
}

function total(t: readonly number[]): number {
  let n = 0;
  for (let i = C0; i < TAIL_FIELDS; i++) n += t[i] as number;
  return n;
}

/** The power of two at or just below x (x > 0). */
function pow2Below(x: number): number {
  return 2 ** Math.floor(Math.log2(x));
}

/**
 * Re-grid `t` (in place) so that x fits: the smallest power-of-two width, at least the present
 * one, whose aligned grid of TAIL_BINS bins covers the occupied bins and x.
 */
function cover(t: number[], x: number): void {
  const lo = t[LO] as number;
  const w1 = t[WIDTH] as number;
  let first = -1;
  let last = -1;
  for (let i = 0; i < TAIL_BINS; i++) {
    if ((t[C0 + i] as number) > 0) {
      if (first < 0) first = i;
      last = i;
    }
  }
  const min = first < 0 ? x : Math.min(x, lo + first * w1);
  const max = first < 0 ? x : Math.max(x, lo + last * w1);
  let w = w1;
  while (Math.floor(max / w) - Math.floor(min / w) >= TAIL_BINS) w *= 2;
  const lo2 = Math.floor(min / w) * w;
  const counts = new Array<number>(TAIL_BINS).fill(0);
  for (let i = 0; i < TAIL_BINS; i++) {
    const c = t[C0 + i] as number;
    if (c === 0) continue;
    // Bin centres, so that rounding at a shared edge cannot move a bin.
    const j = Math.floor((lo + (i + 0.5) * w1 - lo2) / w);
    const k = Math.min(TAIL_BINS - 1, Math.max(0, j));
    counts[k] = (counts[k] as number) + c;
  }
  t[LO] = lo2;
  t[WIDTH] = w;
  for (let i = 0; i < TAIL_BINS; i++) t[C0 + i] = counts[i] as number;
}

/**
 * Count value `x` (finite) `weight` times; whenever the total reaches `memory`, halve every count
 * (forgetting, as the calibration does: between half and all of `memory` points are remembered).
 */
export function tailAdd(t: number[], x: number, memory: number, weight = 1): void {
  if (weight <= 0) return;
  if ((t[WIDTH] as number) === 0) {
    // The finest width that the values' magnitude resolves (≈ 9 digits, as the channel models).
    t[WIDTH] = pow2Below(Math.max(Math.abs(x) * 1e-9, 1e-200));
    t[LO] = Math.floor(x / (t[WIDTH] as number)) * (t[WIDTH] as number);
  }
  const w = t[WIDTH] as number;
  const lo = t[LO] as number;
  if (x < lo || x >= lo + TAIL_BINS * w) cover(t, x);
  const b = Math.min(
    TAIL_BINS - 1,
    Math.max(0, Math.floor((x - (t[LO] as number)) / (t[WIDTH] as number))),
  );
  t[C0 + b] = (t[C0 + b] as number) + weight;
  while (total(t) >= memory) {
    // Rounded to hundredths, so that the stored state stays short.
    for (let i = C0; i < TAIL_FIELDS; i++) t[i] = Math.round((t[i] as number) * 50) / 100;
  }
}

/** The bin holding x, or −1 below the grid and TAIL_BINS above it. */
function binOf(t: readonly number[], x: number): number {
  const pos = Math.floor((x - (t[LO] as number)) / (t[WIDTH] as number));
  return pos < 0 ? -1 : Math.min(pos, TAIL_BINS);
}

/**
 * ln of the tail probability of x in direction `dir` (+1: P(X ≥ x), −1: P(X ≤ x)).
 *
 * Up to the bin of the 98th percentile u (the 2nd for the lower tail): the mid-p fraction of the
 * sketch (the bins beyond x and half of x's own bin, so that a series that sits on one value is at
 * neither extreme of itself), never below half a count. Past it, the peaks-over-threshold model:
 * the k = 2% of points past u have excesses of mean τ, taken as exponential (the generalised
 * Pareto law of shape 0), so P = 0.02 · e^(−(x − u)/τ), continuous however far x goes: no plateau
 * at "beyond everything seen", whose height would depend on how long the series is. Where the
 * sketch holds values as far out as x (a new level, being learnt), P is at least their mid-p
 * fraction: the exponential fit, which such a cluster spoils, does not make them rarer than
 * they were.
 */
function logTail(t: readonly number[], x: number, dir: 1 | -1): number {
  const n = total(t);
  if (n <= 0) return 0;
  const lo = t[LO] as number;
  const w = t[WIDTH] as number;
  // Bins from the extreme end inwards; outer(i) is bin i's boundary on the extreme side.
  const binAt = (j: number): number => (dir > 0 ? TAIL_BINS - 1 - j : j);
  const outer = (i: number): number => (dir > 0 ? lo + (i + 1) * w : lo + i * w);
  const b = binOf(t, x);
  let beyond = 0;
  if (dir > 0) {
    for (let i = Math.max(b + 1, 0); i < TAIL_BINS; i++) beyond += t[C0 + i] as number;
  } else {
    for (let i = 0; i < Math.min(b, TAIL_BINS); i++) beyond += t[C0 + i] as number;
  }
  const own = b >= 0 && b < TAIL_BINS ? (t[C0 + b] as number) : 0;
  // Mid-p: the bins beyond x and half of x's own.
  const seen = beyond + own / 2;
  // u, and the mass k and summed excess of the points past it (bin centres for their values).
  const k = POT_FRACTION * n;
  let mass = 0;
  let uBin = binAt(TAIL_BINS - 1);
  let u = outer(uBin);
  for (let j = 0; j < TAIL_BINS; j++) {
    const c = t[C0 + binAt(j)] as number;
    if (mass + c >= k) {
      uBin = binAt(j);
      u = outer(uBin) - dir * (c > 0 ? ((k - mass) / c) * w : 0);
      break;
    }
    mass += c;
  }
  const excessOf = dir * (x - u);
  // Within u's own bin the sketch knows nothing finer than its count.
  if (k < MIN_EXCEEDANCES || excessOf <= 0 || dir * (b - uBin) <= 0)
    return Math.min(0, Math.log(Math.max(seen, 0.5) / n));
  let sum = 0;
  for (let j = 0; j < TAIL_BINS; j++) {
    const i = binAt(j);
    const c = t[C0 + i] as number;
    const far = outer(i);
    const near = far - dir * w;
    const pastU = dir * (far - u);
    if (pastU <= 0) break;
    const inside = Math.min(pastU, w);
    // The part of the bin past u, with its mass spread uniformly.
    sum += ((c * inside) / w) * (dir * (far - u) - inside / 2);
    if (dir * (near - u) <= 0) break;
  }
  // The excesses are known to half a bin at best: τ = s / k ≥ w / 2.
  const s = Math.max(sum, (k * w) / 2);
  const pot = Math.log(POT_FRACTION) - (k * excessOf) / s;
  // Values seen this far out (a new level, learnt) are at least as frequent as they were.
  return Math.min(0, seen > 0 ? Math.max(Math.log(seen / n), pot) : pot);
}

/** ln P(X ≥ x) under the sketch (0 for an empty sketch). */
export function logUpperTail(t: readonly number[], x: number): number {
  return logTail(t, x, 1);
}

/** ln P(X ≤ x) under the sketch (0 for an empty sketch). */
export function logLowerTail(t: readonly number[], x: number): number {
  return logTail(t, x, -1);
}
