import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { ExactSum } from '../../src/domain/exact-sum.js';

const finite = fc.double({ min: -1e12, max: 1e12, noNaN: true, noDefaultInfinity: true });

describe('ExactSum', () => {
  it('gives the same correctly rounded sum for any grouping and order', () => {
    fc.assert(
      fc.property(
        fc.array(finite, { maxLength: 200 }),
        fc.array(fc.nat(3), { minLength: 200, maxLength: 200 }),
        (xs, groups) => {
          // Prepare
          const whole = new ExactSum();
          for (const x of xs) whole.add(x);
          const parts = [new ExactSum(), new ExactSum(), new ExactSum(), new ExactSum()];
          xs.forEach((x, i) => {
            parts[groups[i]!]!.add(x);
          });
          // Act
          const merged = new ExactSum();
          for (const p of parts.reverse()) merged.merge(ExactSum.fromJSON(p.toJSON()));
          // Assess
          expect(merged.value()).toBe(whole.value());
        },
      ),
      { numRuns: 300 },
    );
  });

  it('is exact where naive summation is not', () => {
    // Prepare
    const s = new ExactSum();
    // Act
    for (const x of [1e16, 1, -1e16, 0.1, 0.2]) s.add(x);
    // Assess
    expect(s.value()).toBe(1.3);
    expect(1e16 + 1 - 1e16 + 0.1 + 0.2).not.toBe(1.3);
  });
});
