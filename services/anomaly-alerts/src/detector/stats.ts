/**
 * Tail probabilities in log space. The detector adds surprisals (−ln p) and compares tiny
 * probabilities, so everything here returns ln p and stays finite far into the tails, where
 * p itself would underflow to 0.
 */

const LN_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

/** Clamp x into [lo, hi]. */
export function clamp(x: number, lo: number, hi: number): number {
  return Math.min(Math.max(x, lo), hi);
}

/** erf(x) by its Maclaurin series; accurate to ~1e-15 for |x| ≤ 3 (used below for z ≤ 3). */
function erfSeries(x: number): number {
  // erf(x) = 2/√π · Σ (−1)^n x^(2n+1) / (n! (2n+1))
  let term = x;
  let sum = x;
  const x2 = x * x;
  for (let n = 1; n < 100; n++) {
    term *= -x2 / n;
    const add = term / (2 * n + 1);
    sum += add;
    if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

/**
 * ln Q(z), Q the upper tail of the standard normal: P(Z ≥ z). For z > 3 Laplace's continued
 * fraction Q(z) = φ(z) / (z + 1/(z + 2/(z + 3/(z + …)))), evaluated bottom-up, which converges
 * fast there and never underflows because it is taken in log space.
 */
export function logNormalTail(z: number): number {
  if (Number.isNaN(z)) return 0;
  if (z <= 3) {
    const q = 0.5 * (1 - erfSeries(z / Math.SQRT2));
    return Math.log(Math.max(q, Number.MIN_VALUE));
  }
  let cf = z;
  for (let k = 60; k >= 1; k--) cf = z + k / cf;
  return -0.5 * z * z - LN_SQRT_2PI - Math.log(cf);
}

/** ln of the two-sided normal tail P(|Z| ≥ |z|). */
export function logTwoSidedNormal(z: number): number {
  return Math.min(0, Math.LN2 + logNormalTail(Math.abs(z)));
}

/**
 * ln of the two-sided tail P(|T| ≥ |t|) of Student's t with `dof` degrees of freedom, through
 * the normal deviate of the Peizer–Pratt (Wallace 1959) approximation
 * z = (ν − 2/3 + 1/(10ν)) · √(ln(1 + t²/ν) / (ν − 5/6)), accurate to a few parts in a thousand
 * of z for ν ≥ 2 and exact as ν → ∞.
 */
export function logTwoSidedT(t: number, dof: number): number {
  const v = Math.max(dof, 2);
  const z = (v - 2 / 3 + 1 / (10 * v)) * Math.sqrt(Math.log1p((t * t) / v) / (v - 5 / 6));
  return logTwoSidedNormal(z);
}
