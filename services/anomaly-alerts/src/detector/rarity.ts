/**
 * Bounded, decaying histograms that turn a non-negative surprise into an empirical tail
 * probability for this series. Counts are halved when they reach a cap, which forgets old
 * history (an effective memory of about `cap` points) and keeps the numbers small and exact.
 */

/** Bin of `value` (already on the histogram's scale) in a histogram of `bins` bins. */
export function binIndex(pos: number, bins: number): number {
  return Math.max(0, Math.min(bins - 1, Math.floor(pos)));
}

/**
 * P(surprise ≥ pos) from the histogram at hist[offset .. offset+bins), interpolating within the
 * bin and extrapolating an exponential tail (rate `decayPerBin`) past the highest occupied bin.
 * Never below half a count over the total: a single history cannot resolve rarer events.
 */
export function tailProbability(
  hist: readonly number[],
  offset: number,
  bins: number,
  pos: number,
  decayPerBin: number,
): number {
  let total = 0;
  let top = -1;
  for (let i = 0; i < bins; i++) {
    const c = hist[offset + i]!;
    total += c;
    if (c > 0) top = i;
  }
  if (total <= 0) return 1;
  const minTail = 0.5 / total;
  const clampedPos = Math.max(0, pos);
  if (clampedPos >= top + 1) {
    return minTail * Math.exp(-(clampedPos - (top + 1)) * decayPerBin);
  }
  const b = binIndex(clampedPos, bins);
  let above = 0;
  for (let i = b + 1; i < bins; i++) above += hist[offset + i]!;
  const frac = clampedPos - b;
  return Math.max((above + (1 - frac) * hist[offset + b]!) / total, minTail);
}

/** Count one observation at `pos`; halve every count once the total reaches `cap`. */
export function histAdd(
  hist: number[],
  offset: number,
  bins: number,
  pos: number,
  cap: number,
): void {
  const b = binIndex(pos, bins);
  hist[offset + b] = hist[offset + b]! + 1;
  let total = 0;
  for (let i = 0; i < bins; i++) total += hist[offset + i]!;
  if (total >= cap) {
    // Rounded to hundredths so that the serialised state stays short.
    for (let i = 0; i < bins; i++) hist[offset + i] = Math.round(hist[offset + i]! * 50) / 100;
  }
}
