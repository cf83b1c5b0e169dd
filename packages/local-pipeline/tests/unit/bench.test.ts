import { describe, expect, it } from '@jest/globals';
import {
  type BenchRun,
  formatRatioTable,
  keepUpTable,
  median,
  parseBenchArgs,
  ratioTable,
} from '../../src/bench.js';
import { cpuReport } from '../../src/cpu.js';

const report = (harness: number, dynalite: number, events = 10_000) =>
  cpuReport({
    seconds: new Map([
      ['harness', harness],
      ['dynalite', dynalite],
    ]),
    events,
    wallSeconds: 30,
    loadAverage: [0, 0],
  });

describe('pnpm start:bench', () => {
  it('runs the fixed cold-start scenario by default, three alternating pairs under --compare', () => {
    expect(parseBenchArgs([])).toEqual({
      rates: [2000],
      rampSeconds: 0,
      durationSeconds: 30,
      scenario: 'steady',
      seed: 3,
      runs: 1,
    });
    expect(parseBenchArgs(['--compare', 'main', 'HEAD', '--duration', '20'])).toMatchObject({
      compare: ['main', 'HEAD'],
      runs: 3,
      durationSeconds: 20,
    });
    expect(() => parseBenchArgs(['--compare', 'main'])).toThrow('two commits');
    expect(() => parseBenchArgs(['--rate', 'fast'])).toThrow('--rate');
  });

  it('takes several rates and a ramp for the keep-up runs, one rate under --compare', () => {
    expect(parseBenchArgs(['--rate', '2000,3000, 4000', '--ramp', '20', '--runs', '3'])).toEqual(
      expect.objectContaining({ rates: [2000, 3000, 4000], rampSeconds: 20, runs: 3 }),
    );
    expect(() => parseBenchArgs(['--compare', 'a', 'b', '--rate', '1000,2000'])).toThrow(
      'one rate',
    );
    expect(() => parseBenchArgs(['--rate', '2000,x'])).toThrow('--rate');
  });

  it('tells per run whether it kept up, and the highest rate kept up in every run', () => {
    const run = (keptUp: boolean, indexerAgeMs: number, reconciled = true): BenchRun => ({
      label: 'r',
      outside: report(10, 5),
      keptUp,
      reconciled,
      throughput: {
        requestedRate: 2000,
        achievedRate: 1990,
        drainSeconds: 4.2,
        keptUp,
        reasons: keptUp
          ? []
          : [`dynamodb-indexer-local-index: iterator age reached ${indexerAgeMs / 1000} s`],
        lag: { p99Ms: 14_300, boundMs: 25_600 },
        mappings: [
          {
            function: 'streamlens-dynamodb-indexer-local-index',
            batchWindowSeconds: 2,
            maxIteratorAgeMs: indexerAgeMs,
          },
        ],
      },
    });
    const text = keepUpTable([
      { rate: 2000, run: run(true, 3_100) },
      { rate: 2000, run: run(true, 2_000) },
      { rate: 3000, run: run(true, 5_000) },
      { rate: 3000, run: run(false, 29_900) },
      { rate: 4000, run: run(true, 4_000, false) },
      { rate: 4000, error: 'run 2: the run ended (exit 1) before it drained' },
    ]);
    expect(text).toContain(
      '   1   2000/s  kept up         lag p99 14.3 s / 25.6 s, drained in 4.2 s, fed 1990/s, cpu 1.500 s / 1,000 ev; dynamodb-indexer index 3.1 s / 12.0 s',
    );
    expect(text).toMatch(
      / 4 {3}3000\/s {2}FELL BEHIND .* 29\.9 s \/ 12\.0 s; ✗ dynamodb-indexer-local-index: iterator age reached 29\.9 s$/m,
    );
    expect(text).toMatch(/ 5 {3}4000\/s {2}NOT RECONCILED/);
    expect(text).toContain('before it drained');
    expect(text).toContain('2000/s kept up in 2 of 2 runs');
    expect(text).toContain('3000/s kept up in 1 of 2 runs');
    expect(text).toContain('4000/s kept up in 0 of 2 runs');
    expect(text).toContain('highest rate kept up in every run: 2000/s');
  });

  it('takes the median of each commit per process and divides B by A, total last', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    // A: 10 + 5 s per 10,000 events; B halves dynalite. Per 1,000: A 1.0 / 0.5, B 1.0 / 0.25.
    const rows = ratioTable(
      [report(10, 5), report(12, 6), report(9, 4)],
      [report(10, 2.5), report(10, 2), report(11, 3)],
    );
    expect(rows.map((r) => r.name)).toEqual(['harness', 'dynalite', 'total']);
    expect(rows[1]).toMatchObject({ a: 0.5, b: 0.25, ratio: 0.5 });
    expect(rows[2]?.a).toBeCloseTo(1.5);
    expect(rows[2]?.b).toBeCloseTo(1.25);
    expect(formatRatioTable(['main', 'HEAD'], rows)).toMatch(/dynalite\s+0\.500\s+0\.250\s+0\.50/);
  });
});
