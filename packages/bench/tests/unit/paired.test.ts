import { describe, expect, it } from '@jest/globals';
import { medianRatio, pairedRounds } from '../../src/paired.js';

describe('pairedRounds', () => {
  it('runs every implementation once per round and each one right after every other equally often', async () => {
    // Prepare
    const calls: string[] = [];
    const impls = Object.fromEntries(['floor', 'a', 'b'].map((k) => [k, () => calls.push(k)]));
    // Act
    const samples = await pairedRounds(impls, 6, { warmup: 0 });
    // Assess
    expect(calls).toHaveLength(18);
    for (let r = 0; r < 6; r++)
      expect([...calls.slice(r * 3, r * 3 + 3)].sort()).toEqual(['a', 'b', 'floor']);
    const follows = new Map<string, number>();
    for (let i = 1; i < calls.length; i++) {
      if (i % 3 === 0) continue; // the first call of a round follows the previous round
      const pair = `${calls[i - 1]}>${calls[i]}`;
      follows.set(pair, (follows.get(pair) ?? 0) + 1);
    }
    expect([...follows.values()]).toEqual([2, 2, 2, 2, 2, 2]);
    for (const k of ['floor', 'a', 'b']) {
      expect(samples.cpu[k]).toHaveLength(6);
      expect(samples.wall[k]).toHaveLength(6);
    }
  });

  it('warms up and calls beforeEach before every measured sample only', async () => {
    // Prepare
    let runs = 0;
    let before = 0;
    // Act
    await pairedRounds({ x: () => runs++ }, 4, { warmup: 3, beforeEach: () => before++ });
    // Assess
    expect(runs).toBe(7);
    expect(before).toBe(4);
  });

  it('takes the median of the per-round ratios, not the ratio of the medians', () => {
    // Act
    const r = medianRatio([2, 10, 3], [1, 20, 1]);
    // Assess
    expect(r).toBe(2);
  });
});
