/**
 * Complementary error function (Numerical Recipes `erfcc`): fractional error below 1.2e-7
 * everywhere, including the far tail, which is where anomaly likelihoods live.
 */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 +
                            t *
                              (-1.13520398 +
                                t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/** Upper tail probability of the standard normal distribution, P(Z > x). */
export function normalTail(x: number): number {
  return 0.5 * erfc(x / Math.SQRT2);
}

/** Rate for `steps` nominal steps of an EWMA whose per-step rate is `alpha`. */
export function alphaFor(alpha: number, steps: number): number {
  if (steps <= 1) return alpha;
  return 1 - (1 - alpha) ** steps;
}

/** Clamp x into [lo, hi]. */
export function clamp(x: number, lo: number, hi: number): number {
  return Math.min(Math.max(x, lo), hi);
}
