/**
 * Empirical calibration of a surprisal: how often has this series been at least this surprised?
 * A test's p-value is only right when its model is; real series are not Gaussian, and some
 * surprise themselves in the same way every day. So each series keeps a histogram of its own
 * surprisals, one bin per decade of p-value, and a new surprisal is judged by the fraction of
 * its history that was as surprising. Past everything seen, the tail is extrapolated with the
 * test's own rate (a calibrated surprisal is a unit exponential: e^(−excess)).
 */

/**
 * Bins are geometric in the surprisal s: a quarter of an octave of 1 + s each (every bin ≈ 19%
 * wider than the one before), so that they resolve ordinary surprisals (s ≈ 1, p ≈ 0.4) as well
 * as extreme ones; 64 bins reach s = 2^16 nats, the last one open-ended.
 */
export const CALIBRATION_BINS = 64;
const PER_OCTAVE = 4;

function position(surprisal: number): number {
  return PER_OCTAVE * Math.log2(1 + Math.max(0, surprisal));
}

/** The surprisal at a bin's lower edge. */
function edge(bin: number): number {
  return 2 ** (bin / PER_OCTAVE) - 1;
}

/**
 * ln of the calibrated tail probability of `surprisal` (nats) under histogram `hist`: the
 * fraction of counted surprisals at least as large (interpolated within a bin), never below half
 * a count; beyond the highest occupied bin, half a count times e^(−excess); in the last,
 * open-ended bin, the fraction that reached it.
 */
export function logCalibratedTail(hist: readonly number[], surprisal: number): number {
  let total = 0;
  let top = -1;
  for (let i = 0; i < hist.length; i++) {
    const c = hist[i] as number;
    total += c;
    if (c > 0) top = i;
  }
  if (total <= 0) return -surprisal;
  const pos = position(surprisal);
  const floor = Math.log(0.5 / total);
  const last = hist.length - 1;
  if (pos >= top + 1 && top < last) return floor - (surprisal - edge(top + 1));
  // The last bin is open-ended: within it, all we know is how often it was reached.
  if (pos >= last) return Math.max(Math.log((hist[last] as number) / total), floor);
  const b = Math.floor(pos);
  let above = 0;
  for (let i = b + 1; i < hist.length; i++) above += hist[i] as number;
  const within = (1 - (pos - b)) * (hist[b] as number);
  return Math.max(Math.log((above + within) / total), floor);
}

/** Count one surprisal; once the total reaches `memory`, halve every count (forgetting). */
export function calibrationAdd(hist: number[], surprisal: number, memory: number): void {
  const b = Math.min(hist.length - 1, Math.floor(position(surprisal)));
  hist[b] = (hist[b] as number) + 1;
  let total = 0;
  for (const c of hist) total += c;
  if (total >= memory) {
    // Rounded to hundredths, so that the stored state stays short.
    for (let i = 0; i < hist.length; i++) hist[i] = Math.round((hist[i] as number) * 50) / 100;
  }
}
