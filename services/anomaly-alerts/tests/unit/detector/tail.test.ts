import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  logLowerTail,
  logUpperTail,
  newTail,
  TAIL_BINS,
  TAIL_FIELDS,
  tailAdd,
} from '../../../src/detector/tail.js';

const MEMORY = 8640;

function sketchOf(values: readonly number[], memory = MEMORY): number[] {
  const t = newTail();
  for (const x of values) tailAdd(t, x, memory);
  return t;
}

function countsOf(t: readonly number[]): number {
  let n = 0;
  for (let i = 2; i < TAIL_FIELDS; i++) n += t[i] as number;
  return n;
}

/** The quantiles of a unit exponential at n evenly spaced probabilities (no randomness). */
function exponentialQuantiles(n: number): number[] {
  return Array.from({ length: n }, (_, i) => -Math.log(1 - (i + 0.5) / n));
}

describe('the long-memory tail sketch', () => {
  it('gives the empirical tail fraction inside the data', () => {
    // Prepare: 0 … 999 once each.
    const t = sketchOf(Array.from({ length: 1000 }, (_, i) => i));
    // Act
    const p900 = Math.exp(logUpperTail(t, 900));
    const p100 = Math.exp(logLowerTail(t, 100));
    // Assess: 10% each, to the sketch's resolution (1/32 of the range a bin; half a bin of slack).
    expect(p900).toBeGreaterThan(0.1 - 1 / TAIL_BINS);
    expect(p900).toBeLessThan(0.1 + 1 / TAIL_BINS);
    expect(p100).toBeGreaterThan(0.1 - 1 / TAIL_BINS);
    expect(p100).toBeLessThan(0.1 + 1 / TAIL_BINS);
  });

  it('puts a series that sits on one value at neither extreme of itself', () => {
    // Prepare
    const t = sketchOf(new Array<number>(1000).fill(5));
    // Act
    const up = logUpperTail(t, 5);
    const down = logLowerTail(t, 5);
    // Assess: mid-p, half of its own bin on each side.
    expect(up).toBeCloseTo(Math.log(0.5), 9);
    expect(down).toBeCloseTo(Math.log(0.5), 9);
  });

  it('extrapolates past the data with the exponential tail of the excesses over the 98th percentile', () => {
    // Prepare: a unit exponential, whose tail beyond any threshold is e^(−excess).
    const t = sketchOf(exponentialQuantiles(5000));
    // Act
    const at = (x: number) => logUpperTail(t, x);
    // Assess: ln P(X ≥ x) = −x, to within the sketch's resolution of the excesses.
    for (const x of [6, 8, 12, 20]) {
      expect(at(x)).toBeLessThan(-0.8 * x);
      expect(at(x)).toBeGreaterThan(-1.25 * x);
    }
    // Continuous and falling beyond the largest value: no plateau at "beyond everything seen".
    expect(at(12)).toBeLessThan(at(11));
    expect(at(11)).toBeLessThan(at(10));
  });

  it('stops calling a new level extreme once it has been seen, however it spoils the exponential fit', () => {
    // Prepare: weeks of values near 100, then 50 points at 108.
    const base = Array.from({ length: 4000 }, (_, i) => 100 + Math.sin(i * 1.7));
    const before = sketchOf(base);
    const after = sketchOf([...base, ...new Array<number>(50).fill(108)]);
    // Act
    const first = logUpperTail(before, 108);
    const later = logUpperTail(after, 108);
    // Assess: the first is far beyond anything; later it is as frequent as it has been (≈ 25/4050).
    expect(first).toBeLessThan(Math.log(1e-6));
    expect(later).toBeGreaterThanOrEqual(Math.log(25 / 4050) - 1e-9);
  });

  it('judges a young sketch by its counts alone: beyond everything is p = half a count', () => {
    // Prepare: 100 values, 2 past the 98th percentile (fewer than the 10 the fit needs).
    const t = sketchOf(Array.from({ length: 100 }, (_, i) => Math.sin(i)));
    // Act
    const far = logUpperTail(t, 1e6);
    // Assess
    expect(far).toBeCloseTo(Math.log(0.5 / 100), 9);
  });

  it('is certain of nothing before its first value', () => {
    expect(logUpperTail(newTail(), 3)).toBe(0);
    expect(logLowerTail(newTail(), 3)).toBe(0);
  });

  it('widens its range in both directions without losing or moving a count', () => {
    fc.assert(
      fc.property(
        // Eighths: every difference of two of them is exact, so no value sits on a rounded edge.
        fc.array(
          fc.integer({ min: -8e6, max: 8e6 }).map((i) => i / 8),
          { minLength: 1, maxLength: 300 },
        ),
        (values) => {
          // Act
          const t = sketchOf(values, 1e9);
          // Assess: every value counted, the grid aligned (lo a multiple of the power-of-two
          // width), and each value inside it.
          expect(countsOf(t)).toBe(values.length);
          const [lo, width] = t as [number, number];
          expect(Number.isInteger(Math.log2(width))).toBe(true);
          expect(Number.isInteger(lo / width)).toBe(true);
          for (const x of values) {
            expect(x).toBeGreaterThanOrEqual(lo);
            expect(x).toBeLessThan(lo + TAIL_BINS * width);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('gives probabilities for any values, however far apart', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1e100, max: 1e100, noNaN: true }), {
          minLength: 1,
          maxLength: 100,
        }),
        fc.double({ min: -1e100, max: 1e100, noNaN: true }),
        (values, x) => {
          // Act
          const t = sketchOf(values, 1e9);
          // Assess
          expect(countsOf(t)).toBe(values.length);
          for (const ln of [logUpperTail(t, x), logLowerTail(t, x)]) {
            expect(Number.isNaN(ln)).toBe(false);
            expect(ln).toBeLessThanOrEqual(0);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('forgets: counts are halved when their total reaches the memory', () => {
    // Prepare
    const t = sketchOf(new Array<number>(99).fill(1), 100);
    // Act
    tailAdd(t, 1, 100);
    // Assess
    expect(countsOf(t)).toBe(50);
  });

  it('learns a run of equal values at once, as that many single values', () => {
    // Prepare
    const one = sketchOf([3, 7, 0, 0, 0, 0, 0]);
    const bulk = sketchOf([3, 7]);
    // Act
    tailAdd(bulk, 0, MEMORY, 5);
    // Assess
    expect(bulk).toEqual(one);
  });
});
