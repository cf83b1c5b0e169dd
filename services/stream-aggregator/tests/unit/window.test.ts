import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { isoMs } from '../../src/domain/window.js';

/** What isoMs must equal: Date's own formatting, or the same error. */
function viaDate(ms: number): string {
  try {
    return new Date(ms).toISOString();
  } catch (error) {
    return `throws ${(error as Error).name}`;
  }
}

function viaIsoMs(ms: number): string {
  try {
    return isoMs(ms);
  } catch (error) {
    return `throws ${(error as Error).name}`;
  }
}

const MAX = 253_402_300_800_000; // 10000-01-01T00:00:00.000Z
const DAY = 86_400_000;

describe('isoMs', () => {
  it('equals Date#toISOString for any time, in any order (days switch under its cache)', () => {
    const time = fc.oneof(
      fc.integer({ min: 0, max: MAX + DAY }),
      fc.integer({ min: -8.64e15, max: 8.64e15 }),
      // Near day boundaries and the four-digit-year limit.
      fc
        .tuple(fc.integer({ min: 0, max: 2_932_896 }), fc.integer({ min: -2, max: 2 }))
        .map(([d, off]) => d * DAY + off),
      fc.constantFrom(0, -1, MAX - 1, MAX, MAX + 1, 8.64e15, 8.64e15 + 1, -8.64e15, -8.64e15 - 1),
      fc.double({ min: -1e16, max: 1e16 }),
      fc.constantFrom(
        Number.NaN,
        Number.POSITIVE_INFINITY,
        Number.NEGATIVE_INFINITY,
        -0,
        0.5,
        -0.5,
      ),
    );
    fc.assert(
      fc.property(fc.array(time, { minLength: 1, maxLength: 20 }), (times) => {
        // Act + Assess
        for (const t of times) expect(viaIsoMs(t)).toBe(viaDate(t));
      }),
      { numRuns: 3000 },
    );
  });

  it('formats consecutive times of one day and the next day', () => {
    // Prepare
    const t = Date.UTC(2026, 10, 25, 23, 59, 59, 999);
    // Act
    const out = [isoMs(t - 1), isoMs(t), isoMs(t + 1), isoMs(t - 86_399_999)];
    // Assess
    expect(out).toEqual([
      '2026-11-25T23:59:59.998Z',
      '2026-11-25T23:59:59.999Z',
      '2026-11-26T00:00:00.000Z',
      '2026-11-25T00:00:00.000Z',
    ]);
  });
});
