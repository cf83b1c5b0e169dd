import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { DDSketch } from '../../src/domain/sketch.js';

/** Exact value at the sketch's rank convention ⌊q·(n−1)⌋. */
function exactQuantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(q * (sorted.length - 1))]!;
}

// Magnitudes within 12 decades: well inside what 2048 bins at 1 % cover (≈ 17 decades), so no bin
// collapses and the guarantee holds for every quantile (collapsing has its own tests below).
const magnitude = fc.double({ min: 1e-3, max: 1e9, noNaN: true });
const value = fc.oneof(
  magnitude,
  magnitude.map((m) => -m),
  fc.constant(0),
  fc.integer({ min: -1000, max: 1000 }),
);

describe('DDSketch', () => {
  it('answers every quantile within the relative accuracy', () => {
    fc.assert(
      fc.property(
        fc.array(value, { minLength: 1, maxLength: 400 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (values, q) => {
          // Prepare
          const s = new DDSketch(0.01);
          // Act
          for (const v of values) s.add(v);
          const got = s.quantile(q);
          // Assess
          const want = exactQuantile(values, q);
          expect(Math.abs(got - want)).toBeLessThanOrEqual(0.01 * Math.abs(want) + 1e-300);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('merges into bit-identical bins whatever the grouping and order', () => {
    fc.assert(
      fc.property(
        fc.array(value, { minLength: 1, maxLength: 300 }),
        fc.array(fc.nat(4), { minLength: 300, maxLength: 300 }),
        (values, groups) => {
          // Prepare
          const whole = new DDSketch(0.01, 64);
          for (const v of values) whole.add(v);
          const parts = Array.from({ length: 5 }, () => new DDSketch(0.01, 64));
          values.forEach((v, i) => {
            parts[groups[i]!]!.add(v);
          });
          // Act
          const merged = new DDSketch(0.01, 64);
          for (const p of parts.reverse()) merged.merge(p);
          // Assess
          expect(merged.toJSON()).toEqual(whole.toJSON());
          expect(merged.count).toBe(values.length);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('keeps at most maxBins per store and the upper quantiles accurate when collapsing', () => {
    // Prepare: 12 decades of positive values with only 128 bins (about 2.6 decades at 1 %)
    const s = new DDSketch(0.01, 128);
    const values: number[] = [];
    for (let e = -6; e <= 6; e += 0.01) values.push(10 ** e);
    // Act
    for (const v of values) s.add(v);
    // Assess
    expect(s.positive.bins.length).toBeLessThanOrEqual(128);
    const p99 = exactQuantile(values, 0.99);
    expect(Math.abs(s.quantile(0.99) - p99)).toBeLessThanOrEqual(0.01 * p99);
    expect(s.count).toBe(values.length);
  });

  it('collapses the most negative values for negative stores', () => {
    // Prepare
    const s = new DDSketch(0.01, 32);
    // Act
    for (let i = 0; i < 1000; i++) s.add(-(1.05 ** i));
    // Assess
    expect(s.negative.bins.length).toBeLessThanOrEqual(32);
    const top = -(1.05 ** 0);
    expect(Math.abs(s.quantile(1) - top)).toBeLessThanOrEqual(0.01);
  });

  it('round-trips through JSON', () => {
    // Prepare
    const s = new DDSketch();
    for (const v of [-3, 0, 0, 1.5, 1e6]) s.add(v);
    // Act
    const back = DDSketch.fromJSON(JSON.parse(JSON.stringify(s.toJSON())));
    // Assess
    expect(back.equals(s)).toBe(true);
    expect(back.quantile(0.5)).toBe(s.quantile(0.5));
  });

  it('rejects invalid parameters and mismatched merges', () => {
    expect(() => new DDSketch(0)).toThrow(RangeError);
    expect(() => new DDSketch(0.01, 3)).toThrow(RangeError);
    expect(() => new DDSketch(0.01).merge(new DDSketch(0.02))).toThrow(RangeError);
    expect(new DDSketch().quantile(0.5)).toBeNaN();
  });
});
