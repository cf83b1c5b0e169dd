import { describe, expect, it } from '@jest/globals';
import { defineBench } from '../../src/define.js';
import { roundOrder, runWorkload } from '../../src/runner.js';
import { defineWorkload } from '../../src/workloads.js';

describe('roundOrder', () => {
  it('is a permutation of every implementation in every round, the same for the same round', () => {
    for (const n of [1, 2, 3, 7, 8]) {
      for (let round = 0; round < 20; round++) {
        const order = roundOrder(n, round);
        expect([...order].sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
        expect(roundOrder(n, round)).toEqual(order);
      }
    }
  });

  it('gives each implementation more than one predecessor over 20 rounds (a rotation gives one)', () => {
    // Prepare
    const n = 7;
    const predecessors = Array.from({ length: n }, () => new Set<number>());
    // Act
    for (let round = 0; round < 20; round++) {
      const order = roundOrder(n, round);
      for (let i = 1; i < n; i++) predecessors[order[i] as number]?.add(order[i - 1] as number);
    }
    // Assess
    for (const seen of predecessors) expect(seen.size).toBeGreaterThan(2);
  });
});

describe('runWorkload', () => {
  it('pauses settleMs after each forced collection, outside the measured sample', async () => {
    // Prepare
    const workload = defineWorkload({
      name: 'tiny',
      description: 'a few numbers',
      events: 1,
      build: () => [1, 2, 3],
    });
    const runs: number[] = [];
    const suite = defineBench({
      workload,
      name: 'sum',
      kind: 'floor',
      run: (data: number[]) => {
        runs.push(performance.now());
        return data.reduce((a, b) => a + b, 0);
      },
    });
    // Act
    const result = await runWorkload(workload as never, [{ suite, file: 'x.bench.ts' }], {
      warmup: 1,
      iterations: 4,
      budgetMs: 10_000,
      minSamples: 1,
      settleMs: 40,
    });
    // Assess
    const samples = result.implementations[0]?.samplesMs ?? [];
    expect(samples).toHaveLength(4);
    for (const ms of samples) expect(ms).toBeLessThan(40);
    const measured = runs.slice(1);
    for (let i = 1; i < measured.length; i++) {
      expect((measured[i] as number) - (measured[i - 1] as number)).toBeGreaterThanOrEqual(38);
    }
  });
});
