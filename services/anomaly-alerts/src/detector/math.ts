/** Rate for `steps` nominal steps of an EWMA whose per-step rate is `alpha`. */
export function alphaFor(alpha: number, steps: number): number {
  if (steps <= 1) return alpha;
  return 1 - (1 - alpha) ** steps;
}

/** Clamp x into [lo, hi]. */
export function clamp(x: number, lo: number, hi: number): number {
  return Math.min(Math.max(x, lo), hi);
}
