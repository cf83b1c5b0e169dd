import { describe, expect, it } from '@jest/globals';
import { DEFAULT_DETECTOR_CONFIG } from '../../../src/detector/config.js';
import { type Scored, update } from '../../../src/detector/detector.js';
import { DetectorError } from '../../../src/detector/errors.js';
import { newOnsetFilter, onsetScore } from '../../../src/detector/onset.js';
import { initialState } from '../../../src/detector/state.js';
import {
  DAY_MS,
  gaussian,
  maxScore,
  type Point,
  rng,
  run,
  STEP_MS,
  series,
  T0,
} from './synthetic.js';

/** Alert level used by these tests: every injected anomaly must reach it, normal data must not. */
const ALERT = 0.5;
const N = 4032; // 14 days of 5-minute points
const AT = 3000; // where the anomaly starts
const AFTER_WARMUP = 300;

/** The scores as `pnpm detect` reports them: at onsets only. */
function onsets(scored: readonly Scored[]): number[] {
  const f = newOnsetFilter();
  return scored.map((s) => onsetScore(f, s.score, DEFAULT_DETECTOR_CONFIG.shortPoints));
}

function argmax(xs: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < xs.length; i++) if (xs[i]! > xs[best]!) best = i;
  return best;
}

describe('detector on synthetic series', () => {
  it('alarms on a spike, at the spike', () => {
    // Prepare
    const noise = gaussian(7);
    const points = series(N, (i) => 100 + noise() + (i === AT ? 15 : 0));
    // Act
    const { scored } = run(points);
    // Assess
    expect(scored[AT]!.score).toBeGreaterThanOrEqual(ALERT);
    expect(argmax(scored.map((s) => s.score))).toBe(AT);
    expect(scored[AT]!.features.zChange).toBeGreaterThan(10);
    expect(scored[AT]!.expectedHigh).toBeLessThan(115);
    expect(scored[AT]!.attribution).toMatchObject([
      { feature: 'value', direction: 'up', share: 1 },
    ]);
    expect(scored[AT]!.explanation).toMatch(
      /^p = .* \(score 0\.\d+\): value (jumped from|rose to)/,
    );
  });

  it('alarms on a dip', () => {
    // Prepare
    const noise = gaussian(11);
    const points = series(N, (i) => 100 + noise() - (i === AT ? 15 : 0));
    // Act
    const { scored } = run(points);
    // Assess
    expect(scored[AT]!.score).toBeGreaterThanOrEqual(ALERT);
    expect(argmax(scored.map((s) => s.score))).toBe(AT);
    expect(scored[AT]!.features.zChange).toBeLessThan(-10);
    expect(scored[AT]!.attribution[0]!.direction).toBe('down');
  });

  it('alarms at the onset of a level shift, one onset in all, then adapts to the new level', () => {
    // Prepare
    const noise = gaussian(13);
    const points = series(N, (i) => 100 + noise() + (i >= AT ? 8 : 0));
    // Act
    const { scored } = run(points);
    // Assess
    expect(maxScore(scored, AT, AT + 3)).toBeGreaterThanOrEqual(ALERT);
    // The short memory holds the shift for a few points; as onsets it is one anomaly.
    const alarms = scored.map((s, i) => [i, s.score] as const).filter(([, s]) => s >= ALERT);
    expect(alarms.every(([i]) => i >= AT && i < AT + DEFAULT_DETECTOR_CONFIG.shortPoints)).toBe(
      true,
    );
    expect(
      onsets(scored)
        .slice(AT)
        .filter((s) => s >= ALERT),
    ).toHaveLength(1);
    expect(maxScore(scored, AT + 500)).toBeLessThan(ALERT);
  });

  it('alarms on a drift: a shift too small for any one point, held for several', () => {
    // Prepare: +2.5 standard deviations, so that no single point is remarkable.
    const noise = gaussian(29);
    const points = series(N, (i) => 100 + noise() + (i >= AT ? 2.5 : 0));
    // Act
    const { scored } = run(points);
    // Assess
    expect(maxScore(scored, AFTER_WARMUP, AT)).toBeLessThan(ALERT);
    const at = scored.findIndex((s, i) => i >= AT && s.score >= ALERT);
    expect(at).toBeGreaterThan(AT);
    expect(at).toBeLessThan(AT + 2 * DEFAULT_DETECTOR_CONFIG.shortPoints);
    expect(scored[at]!.attribution[0]).toMatchObject({ feature: 'value', direction: 'up' });
    expect(scored[at]!.explanation).toMatch(/value has risen to about 10\d(\.\d+)? lately/);
  });

  it('says how rare a value is in recent weeks when the long-memory test sets its p', () => {
    // Prepare: 12 quiet days, then a rise of 8 standard deviations spread over two days, which the
    // day-long level follows while each value is still the highest of the weeks.
    const noise = gaussian(47);
    const RISE = 2 * 288;
    const points = series(
      N,
      (i) => 100 + noise() + (i >= AT ? (8 * Math.min(i - AT, RISE)) / RISE : 0),
    );
    // Act
    const { scored } = run(points);
    // Assess: the most surprising point of the rise is judged by the weeks' tail test: p is its
    // two-sided p times 3 (Bonferroni over that test, the change test and the short memory).
    const top = AT + argmax(scored.slice(AT).map((s) => s.score));
    const s = scored[top]!;
    expect(s.features.log10P).toBeCloseTo(s.features.rareLevelLog10P! + Math.log10(3), 9);
    expect(s.attribution[0]).toMatchObject({ feature: 'value', direction: 'up' });
    expect(s.explanation).toMatch(
      /value rose to .* \(as high as 1 in [\d,]+ values of recent weeks\)/,
    );
  });

  it('alarms when the variance jumps', () => {
    // Prepare
    const noise = gaussian(17);
    const points = series(N, (i) => 100 + noise() * (i >= AT ? 6 : 1));
    // Act
    const { scored } = run(points);
    // Assess
    expect(maxScore(scored, AT, AT + 20)).toBeGreaterThanOrEqual(ALERT);
    expect(maxScore(scored, AFTER_WARMUP, AT)).toBeLessThan(ALERT);
  });

  it('does not alarm on a steady trend', () => {
    // Prepare
    const noise = gaussian(19);
    const points = series(N, (i) => 100 + 0.05 * i + noise());
    // Act
    const { scored } = run(points);
    // Assess
    expect(maxScore(scored, AFTER_WARMUP)).toBeLessThan(ALERT);
  });

  it('does not alarm on daily seasonality, but does on a spike against it', () => {
    // Prepare
    const daily = (i: number): number => 100 + 20 * Math.sin((2 * Math.PI * i * STEP_MS) / DAY_MS);
    const noiseA = gaussian(23);
    const noiseB = gaussian(23);
    const plain = series(N, (i) => daily(i) + noiseA());
    // The spike stays inside the daily range: only the seasonal model can see it.
    const spiked = series(N, (i) => daily(i) + noiseB() + (i === AT ? 15 : 0));
    // Act
    const quiet = run(plain).scored;
    const loud = run(spiked).scored;
    // Assess
    expect(maxScore(quiet, AFTER_WARMUP)).toBeLessThan(ALERT);
    expect(loud[AT]!.score).toBeGreaterThanOrEqual(ALERT);
    // Inside the daily range: it is the change, not the level, that is out of the ordinary.
    expect(loud[AT]!.features.zChange).toBeGreaterThan(5);
    expect(Math.abs(loud[AT]!.features.zLevel!)).toBeLessThan(3);
  });

  it('stays quiet on a flat line and alarms when it changes', () => {
    // Prepare
    const points = series(N, (i) => (i < AT ? 5 : 7));
    // Act
    const { scored } = run(points);
    // Assess
    expect(maxScore(scored, AFTER_WARMUP, AT)).toBe(0);
    expect(scored[AT]!.score).toBeGreaterThanOrEqual(ALERT);
    expect(maxScore(scored, AT + 1)).toBeLessThan(ALERT);
  });

  it('handles a sparse, irregular series: gaps do not alarm, a spike still does', () => {
    // Prepare: hourly slots, about half of them missing, a spike in the last week
    const keep = rng(29);
    const noise = gaussian(31);
    const points: Point[] = [];
    let spikeIndex = -1;
    for (let h = 0; h < 24 * 90; h++) {
      if (keep() < 0.5) continue;
      const spike = spikeIndex < 0 && h >= 24 * 85;
      if (spike) spikeIndex = points.length;
      points.push({ timestampMs: T0 + h * 3_600_000, value: 50 + 2 * noise() + (spike ? 40 : 0) });
    }
    // Act
    const { scored } = run(points);
    // Assess
    expect(scored.every((s) => Number.isFinite(s.score) && s.score >= 0 && s.score <= 1)).toBe(
      true,
    );
    expect(scored[spikeIndex]!.score).toBeGreaterThanOrEqual(ALERT);
    expect(maxScore(scored, 100, spikeIndex)).toBeLessThan(ALERT);
  });

  it('warms up on a cold start and can alarm soon after', () => {
    // Prepare
    const noise = gaussian(37);
    const points = series(150, (i) => 10 + 0.5 * noise() + (i === 120 ? 10 : 0));
    // Act
    const { scored } = run(points);
    // Assess
    expect(scored[0]!.warmingUp).toBe(true);
    expect(scored.slice(0, 29).every((s) => s.warmingUp && s.score === 0)).toBe(true);
    expect(scored[100]!.warmingUp).toBe(false);
    expect(scored[120]!.score).toBeGreaterThanOrEqual(ALERT);
    expect(argmax(scored.map((s) => s.score))).toBe(120);
  });

  it('treats a duplicate or out-of-order timestamp as one step and keeps going', () => {
    // Prepare
    let state = initialState();
    for (let i = 0; i < 50; i++) {
      state = update(state, { timestampMs: T0 + i * STEP_MS, value: 1 + (i % 3) }).state;
    }
    // Act
    const dup = update(state, { timestampMs: T0 + 49 * STEP_MS, value: 2 });
    const back = update(dup.state, { timestampMs: T0, value: 2 });
    // Assess
    expect(Number.isFinite(back.scored.score)).toBe(true);
    expect(back.state.lastTs).toBe(T0 + 49 * STEP_MS);
    expect(back.state.n).toBe(52);
  });

  it('learns a jump that recurs every day: a square wave alarms on its first day only', () => {
    // Prepare: 20 for half a day, 80 for the other half, two weeks
    const points = series(14 * 288, (i) => (Math.floor(i / 144) % 2 ? 80 : 20));
    // Act
    const { scored } = run(points);
    // Assess
    expect(maxScore(scored, 0, 288)).toBeGreaterThanOrEqual(ALERT);
    expect(maxScore(scored, 288)).toBeLessThan(ALERT);
  });

  it('alarms when a noisy series goes flat, and says so', () => {
    // Prepare
    const noise = gaussian(41);
    const points = series(N, (i) => (i < AT ? 50 + 2 * noise() : 50));
    // Act
    const { scored } = run(points);
    // Assess
    expect(maxScore(scored, AFTER_WARMUP, AT)).toBeLessThan(ALERT);
    const first = scored.findIndex((s, i) => i >= AT && s.score >= ALERT);
    expect(first).toBeGreaterThanOrEqual(AT);
    expect(first).toBeLessThan(AT + 20);
    expect(scored[first]!.attribution[0]!.direction).toBe('flat');
    expect(scored[first]!.explanation).toMatch(/value went flat/);
  });

  it('is less sure of a young series: the same jump is less surprising after 40 points than after 2000', () => {
    // Prepare
    const noise = gaussian(43);
    const base = Array.from({ length: 2100 }, () => 100 + noise());
    const jumpAt = (k: number) =>
      run(series(k + 1, (i) => (i === k ? base[k - 1]! + 8 : base[i]!))).scored[k]!;
    // Act
    const young = jumpAt(40);
    const old = jumpAt(2000);
    // Assess
    expect(young.features.surprisal).toBeLessThan(old.features.surprisal! / 2);
    expect(old.score).toBeGreaterThanOrEqual(ALERT);
  });

  it('rejects non-finite and absurdly large values', () => {
    // Prepare
    const state = initialState();
    // Act / Assess
    expect(() => update(state, { timestampMs: T0, value: Number.NaN })).toThrow(DetectorError);
    expect(() => update(state, { timestampMs: Number.NaN, value: 1 })).toThrow(DetectorError);
    expect(() => update(state, { timestampMs: T0, value: 1e200 })).toThrow(DetectorError);
  });
});
