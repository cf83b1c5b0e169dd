import { describe, expect, it } from '@jest/globals';
import { formatRatioTable, median, parseBenchArgs, ratioTable } from '../../src/bench.js';
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
      rate: 2000,
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
