import { describe, expect, it } from '@jest/globals';
import { deserializeState, STATE_VERSION, serializeState } from '../../../src/detector/state.js';
import { gaussian, maxScore, type Point, run, series } from './synthetic.js';

/** Alert level of the detector tests; the service's default threshold is lower (0.3). */
const ALERT = 0.5;
const N = 1500;
const AT = 1200;
const AFTER_WARMUP = 300;

/**
 * Service-like windows: a mean around 50, a count around 60 (a reading a second, a few lost or
 * late), p99 about 8 above the mean with sampling noise. `shape(i)` may override count/spread.
 */
function windows(
  seed: number,
  shape: (i: number) => { count?: number; spread?: number } = () => ({}),
): Point[] {
  const noise = gaussian(seed);
  return series(N, () => 50 + noise()).map((p, i) => {
    const s = shape(i);
    const count = s.count ?? Math.round(60 + 2 * noise());
    const spread = s.spread ?? 8 * Math.exp(0.15 * noise());
    return { ...p, count, p99: p.value + spread };
  });
}

/** The same points as a bare `timestamp,value` series (what NAB gives). */
function valueOnly(points: readonly Point[]): Point[] {
  return points.map((p) => ({ timestampMs: p.timestampMs, value: p.value }));
}

describe('detector on window shape (count, p99)', () => {
  it('alarms when the count drops while the mean holds, and only because of the count', () => {
    // Prepare
    const points = windows(21, (i) => (i === AT ? { count: 20 } : {}));
    // Act
    const withShape = run(points).scored;
    const bare = run(valueOnly(points)).scored;
    // Assess
    expect(withShape[AT]!.score).toBeGreaterThanOrEqual(ALERT);
    expect(withShape[AT]!.features.zCount).toBeLessThan(-5);
    expect(withShape[AT]!.explanation).toMatch(/window count \(20, usually about 6\d/);
    expect(bare[AT]!.score).toBeLessThan(0.3);
  });

  it('alarms when the count surges', () => {
    // Prepare
    const points = windows(22, (i) => (i === AT ? { count: 240 } : {}));
    // Act
    const { scored } = run(points);
    // Assess
    expect(scored[AT]!.score).toBeGreaterThanOrEqual(ALERT);
    expect(scored[AT]!.features.zCount).toBeGreaterThan(5);
  });

  it('alarms when the tail (p99 − mean) blows up while the mean holds, and only because of it', () => {
    // Prepare
    const points = windows(23, (i) => (i === AT ? { spread: 60 } : {}));
    // Act
    const withShape = run(points).scored;
    const bare = run(valueOnly(points)).scored;
    // Assess
    expect(withShape[AT]!.score).toBeGreaterThanOrEqual(ALERT);
    expect(withShape[AT]!.features.zSpread).toBeGreaterThan(5);
    expect(withShape[AT]!.explanation).toMatch(/spread p99 − mean/);
    expect(bare[AT]!.score).toBeLessThan(0.3);
  });

  it('adds no false alarms on ordinary count jitter and tail noise (compared with the value alone)', () => {
    // Prepare
    const seeds = [24, 31, 32, 33];
    const high = (scored: { score: number }[]) =>
      scored.slice(AFTER_WARMUP).filter((s) => s.score >= 0.3).length;
    // Act
    const withShape = seeds.map((seed) => run(windows(seed)).scored);
    const bare = seeds.map((seed) => run(valueOnly(windows(seed))).scored);
    // Assess
    const shapeAlarms = withShape.reduce((n, s) => n + high(s), 0);
    const bareAlarms = bare.reduce((n, s) => n + high(s), 0);
    expect(shapeAlarms).toBeLessThanOrEqual(bareAlarms);
    for (const s of withShape) expect(maxScore(s, AFTER_WARMUP)).toBeLessThan(ALERT);
  });

  it('still alarms on a spike of the mean when count and p99 are present', () => {
    // Prepare
    const points = windows(25).map((p, i) =>
      i === AT ? { ...p, value: p.value + 15, p99: (p.p99 as number) + 15 } : p,
    );
    // Act
    const { scored } = run(points);
    // Assess
    expect(scored[AT]!.score).toBeGreaterThanOrEqual(ALERT);
    expect(scored[AT]!.explanation).toMatch(/residual scales/);
  });

  it('takes no spread from windows whose p99 equals the mean (one reading each)', () => {
    // Prepare: small values that double now and then; p99 = mean as in one-reading windows.
    const noise = gaussian(27);
    const points = series(N, () => 0.02 * Math.exp(0.3 * noise())).map((p) => ({
      ...p,
      count: 1,
      p99: p.value,
    }));
    // Act
    const withShape = run(points).scored;
    const bare = run(valueOnly(points)).scored;
    // Assess
    expect(withShape.every((s) => s.features.zSpread === undefined)).toBe(true);
    expect(withShape.map((s) => s.score)).toEqual(bare.map((s) => s.score));
  });

  it('reads a version 2 state (no shape models) and starts its shape models fresh', () => {
    // Prepare
    const { state } = run(windows(26).slice(0, 100));
    const v2 = JSON.parse(serializeState(state)) as Record<string, unknown>;
    for (const k of ['cntM', 'cntS', 'cntN', 'sprM', 'sprS', 'sprN']) delete v2[k];
    v2.v = 2;
    // Act
    const read = deserializeState(JSON.stringify(v2));
    // Assess
    expect(read.v).toBe(STATE_VERSION);
    expect([read.cntN, read.sprN, read.cntM]).toEqual([0, 0, 0]);
    expect(read.n).toBe(state.n);
    expect(state.cntN).toBeGreaterThan(90);
  });
});
