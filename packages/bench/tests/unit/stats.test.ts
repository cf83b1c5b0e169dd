import { describe, expect, it } from '@jest/globals';
import { durationUsdPerMillionEvents, requestUsdPerMillionEvents } from '../../src/cost.js';
import { median, quantile, ratioTo, summarize } from '../../src/stats.js';

describe('stats', () => {
  it('takes the middle value of an odd sample and the mean of the middle two of an even one', () => {
    // Act
    const odd = median([5, 1, 3]);
    const even = median([4, 1, 3, 2]);
    // Assess
    expect(odd).toBe(3);
    expect(even).toBe(2.5);
  });

  it('interpolates quantiles linearly and does not reorder the input', () => {
    // Prepare
    const samples = [10, 40, 20, 30];
    // Act
    const q = [0, 0.25, 0.5, 1].map((p) => quantile(samples, p));
    // Assess
    expect(q).toEqual([10, 17.5, 25, 40]);
    expect(samples).toEqual([10, 40, 20, 30]);
  });

  it('summarises min, max, mean and median', () => {
    // Act
    const s = summarize([3, 1, 2, 10]);
    // Assess
    expect(s).toEqual({ n: 4, median: 2.5, min: 1, max: 10, mean: 4, p25: 1.75, p75: 4.75 });
  });

  it('rejects empty samples and out-of-range quantiles', () => {
    // Assess
    expect(() => median([])).toThrow(RangeError);
    expect(() => summarize([])).toThrow(RangeError);
    expect(() => quantile([1], 1.5)).toThrow(RangeError);
  });

  it('gives the ratio to the floor only when there is a floor', () => {
    // Assess
    expect(ratioTo(30, 20)).toBe(1.5);
    expect(ratioTo(30, undefined)).toBeUndefined();
  });
});

describe('cost', () => {
  it('bills whole milliseconds of 256 MB at the arm64 price per GB-second', () => {
    // Act
    const usd = durationUsdPerMillionEvents(39.2, 5000);
    // Assess: 40 ms × 0.25 GB × $0.0000133334 / 5,000 events × 1e6
    expect(usd).toBeCloseTo(0.04 * 0.25 * 0.0000133334 * 200, 12);
    expect(requestUsdPerMillionEvents(1000)).toBeCloseTo(0.0002, 12);
  });
});
