import { latin1 } from './bytes.js';

/** Exact powers of ten (every one up to 1e22 is a double). */
const POW10 = Array.from({ length: 16 }, (_v, i) => 10 ** i);

/**
 * The value of a JSON number token the scanner accepted (no exponent, no `-0`), equal to
 * `JSON.parse` of it: with at most 15 digits in all the digits form an exact integer m < 2^53 and
 * 10^k is exact, so m / 10^k is one correctly rounded division, which is what parsing the decimal
 * gives. Longer tokens go to `Number()`.
 */
export function numberAt(b: Uint8Array, s: number, e: number): number {
  let i = s;
  const negative = b[i] === 45;
  if (negative) i++;
  let m = 0;
  let digits = 0;
  let frac = -1;
  for (; i < e; i++) {
    const c = b[i]!;
    if (c === 46 && frac < 0) {
      frac = 0;
      continue;
    }
    if (c < 48 || c > 57 || ++digits > 15) return Number(latin1(b, s, e));
    m = m * 10 + (c - 48);
    if (frac >= 0) frac++;
  }
  if (digits === 0 || frac === 0) return Number(latin1(b, s, e));
  const v = frac > 0 ? m / POW10[frac]! : m;
  return negative ? -v : v;
}
