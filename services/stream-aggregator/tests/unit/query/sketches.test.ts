import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { idHashOf } from '../../../src/domain/event-id.js';
import { HyperLogLog } from '../../../src/query/hll.js';
import { TopK } from '../../../src/query/topk.js';

function hllOf(values: Iterable<string>): HyperLogLog {
  const h = new HyperLogLog();
  for (const v of values) h.addHash(idHashOf(v));
  return h;
}

describe('HyperLogLog', () => {
  it('estimates within 5 % (3 standard errors) from 10 to 200,000 distinct values', () => {
    for (const n of [10, 1_000, 20_000, 200_000]) {
      const est = hllOf(Array.from({ length: n }, (_v, i) => `host-${i}`)).estimate();
      expect(Math.abs(est - n) / n).toBeLessThan(0.05);
    }
  });

  it('ignores copies and merges exactly: any split of a set gives the set’s registers', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.string({ maxLength: 6 }), fc.nat(3)), { maxLength: 200 }),
        (items) => {
          const parts = [0, 1, 2, 3].map((p) =>
            hllOf(items.filter(([, q]) => q === p).map(([v]) => v)),
          );
          const merged = new HyperLogLog();
          for (const p of parts.reverse()) merged.merge(p);
          const whole = hllOf([...items.map(([v]) => v), ...items.map(([v]) => v)]);
          expect(merged.registers).toEqual(whole.registers);
        },
      ),
    );
  });
});

describe('TopK (mergeable frequent items)', () => {
  it('is exact while the distinct values fit', () => {
    const t = new TopK(4);
    for (const v of ['a', 'b', 'a', 'c', 'a', 'b']) t.add(v);
    expect(t.top(2)).toEqual([
      { value: 'a', count: 3 },
      { value: 'b', count: 2 },
    ]);
  });

  it('undercounts by at most n / (capacity + 1) after any merges', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 30 }), fc.nat(4)), { maxLength: 400 }),
        fc.integer({ min: 1, max: 8 }),
        (items, capacity) => {
          const parts = [0, 1, 2, 3, 4].map(() => new TopK(capacity));
          const exact = new Map<string, number>();
          for (const [v, p] of items) {
            // Skewed: small values are frequent.
            const key = String(Math.floor(Math.sqrt(v)));
            parts[p]!.add(key);
            exact.set(key, (exact.get(key) ?? 0) + 1);
          }
          const merged = parts.reduce((a, b) => {
            a.merge(b);
            return a;
          });
          expect(merged.counts.size).toBeLessThanOrEqual(capacity);
          const bound = items.length / (capacity + 1);
          for (const [key, n] of exact) {
            const got = merged.counts.get(key) ?? 0;
            expect(got).toBeLessThanOrEqual(n);
            expect(n - got).toBeLessThanOrEqual(bound);
          }
        },
      ),
    );
  });
});
