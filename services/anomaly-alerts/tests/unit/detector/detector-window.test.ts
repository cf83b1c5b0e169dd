import { describe, expect, it } from '@jest/globals';
import { type Point, update, updateInPlace } from '../../../src/detector/detector.js';
import { initialState } from '../../../src/detector/state.js';
import { gaussian, maxScore, rng, run, STEP_MS, T0 } from './synthetic.js';

/** The deployed alert level: p ≤ 1e-5. */
const ALERT = 0.5;
const N = 3000;
const AT = 2500;

/** Whole telemetry windows: a latency-like series with jitter on every feature. */
function windows(
  seed: number,
  change: (
    i: number,
    w: Required<Omit<Point, 'timestampMs' | 'valueIsCount' | 'windowMs'>>,
  ) => void = () => {},
): Point[] {
  const g = gaussian(seed);
  return Array.from({ length: N }, (_, i) => {
    const mean = 100 + 3 * g();
    const w = {
      value: mean,
      count: Math.round(600 * (1 + 0.05 * g())),
      p50: mean - 5 + g(),
      p90: 140 + 5 * g(),
      p99: 180 + 8 * g(),
      min: 10 + g(),
      max: 240 + 10 * g(),
    };
    change(i, w);
    return { timestampMs: T0 + i * STEP_MS, ...w };
  });
}

describe('detector on whole windows', () => {
  it('alarms when p99 doubles while the mean holds, and says it was p99, upwards', () => {
    // Prepare
    const points = windows(3, (i, w) => {
      if (i === AT) w.p99 *= 2;
    });
    // Act
    const { scored } = run(points);
    // Assess
    const s = scored[AT]!;
    expect(maxScore(scored, 300, AT)).toBeLessThan(ALERT);
    expect(s.score).toBeGreaterThanOrEqual(ALERT);
    expect(s.attribution[0]!.feature).toBe('p99');
    expect(s.attribution[0]!.direction).toBe('up');
    expect(s.attribution[0]!.share).toBeGreaterThan(0.9);
    expect(s.attribution.some((a) => a.feature === 'value')).toBe(false);
    expect(s.explanation).toMatch(/p99 rose to 3\d\d\.?\d*, usually about 1[78]\d/);
    expect(s.features.p99Share).toBeCloseTo(s.attribution[0]!.share, 9);
  });

  it('alarms when the count falls to a third while the mean holds, and says so', () => {
    // Prepare
    const points = windows(5, (i, w) => {
      if (i === AT) w.count = Math.round(w.count / 3);
    });
    // Act
    const { scored } = run(points);
    // Assess
    const s = scored[AT]!;
    expect(s.score).toBeGreaterThanOrEqual(ALERT);
    expect(s.attribution).toHaveLength(1);
    expect(s.attribution[0]).toMatchObject({ feature: 'count', direction: 'down', share: 1 });
    expect(s.explanation).toMatch(
      /count fell to \d+, usually about 6\d\d(\.\d+)? \(0\.3\d*× usual\)/,
    );
  });

  it('splits the evidence between features that moved together, shares summing to 1', () => {
    // Prepare: a slow backend: the tail and the max double, the count halves
    const points = windows(7, (i, w) => {
      if (i === AT) {
        w.p99 *= 2;
        w.max *= 2;
        w.count = Math.round(w.count / 2);
      }
    });
    // Act
    const { scored } = run(points);
    // Assess
    const s = scored[AT]!;
    const moved = s.attribution.map((a) => a.feature).sort();
    expect(moved).toEqual(['count', 'max', 'p99']);
    expect(s.attribution.reduce((t, a) => t + a.share, 0)).toBeCloseTo(1, 12);
    for (let k = 1; k < s.attribution.length; k++) {
      expect(s.attribution[k]!.surprisal).toBeLessThanOrEqual(s.attribution[k - 1]!.surprisal);
    }
    expect(s.explanation).toMatch(/% of the evidence\); /);
  });

  it('raises no alarm on jittery whole windows over thousands of windows and several seeds', () => {
    // Prepare / Act
    const worst = [11, 13, 17, 19].map((seed) => maxScore(run(windows(seed)).scored, 300));
    // Assess
    for (const m of worst) expect(m).toBeLessThan(ALERT);
  });

  it('still alarms on a spike of the mean, naming the mean', () => {
    // Prepare
    const points = windows(23, (i, w) => {
      if (i === AT) {
        w.value += 40;
        w.p50 += 40;
      }
    });
    // Act
    const { scored } = run(points);
    // Assess
    expect(scored[AT]!.score).toBeGreaterThanOrEqual(ALERT);
    expect(scored[AT]!.attribution.map((a) => a.feature)).toContain('value');
    expect(scored[AT]!.explanation).toMatch(/mean (rose|jumped)/);
  });

  it('treats a log series as counts: Poisson-sized wobbles are quiet, a burst of errors is not', () => {
    // Prepare: 0–3 errors per window (mostly 1), then a burst of 25
    const u = rng(31);
    const points: Point[] = Array.from({ length: N }, (_, i) => ({
      timestampMs: T0 + i * STEP_MS,
      value: i === AT ? 25 : [1, 1, 1, 1, 0, 2, 2, 3][Math.floor(u() * 8)]!,
      valueIsCount: true,
    }));
    // Act
    const { scored } = run(points);
    // Assess
    expect(maxScore(scored, 300, AT)).toBeLessThan(ALERT);
    expect(scored[AT]!.score).toBeGreaterThanOrEqual(ALERT);
    expect(scored[AT]!.explanation).toMatch(/count (rose|jumped)/);
    // The expected range is in counts (the episode logic compares the observed count with it).
    expect(scored[AT]!.expectedLow).toBe(0);
    expect(scored[AT]!.expectedHigh).toBeGreaterThan(3);
    expect(scored[AT]!.expectedHigh).toBeLessThan(12);
  });

  describe('a log series that has a window only when something was logged', () => {
    const MINUTE = 60_000;
    /** Sporadic single errors (one minute in about 100, 25 in all), then silence and a burst. */
    function sparse(burst: number, windowMs?: number): Point[] {
      const u = rng(37);
      const points: Point[] = [];
      let minute = 0;
      for (let k = 0; k < 25; k++) {
        minute += 50 + Math.floor(u() * 100);
        points.push({ timestampMs: T0 + minute * MINUTE, value: 1, valueIsCount: true });
      }
      minute += 240;
      points.push({ timestampMs: T0 + minute * MINUTE, value: burst, valueIsCount: true });
      return windowMs === undefined ? points : points.map((p) => ({ ...p, windowMs }));
    }

    it('alarms on a burst after silence: the missing windows are learnt as zero counts', () => {
      // Act
      const { scored, state } = run(sparse(40, MINUTE));
      // Assess
      const burst = scored.at(-1)!;
      expect(burst.warmingUp).toBe(false);
      expect(burst.score).toBeGreaterThanOrEqual(ALERT);
      expect(burst.explanation).toMatch(/count (rose|jumped)/);
      expect(maxScore(scored, 0, scored.length - 1)).toBeLessThan(ALERT);
      // Every minute since the first window is a point of the model: the gaps counted as zeros.
      const minutes = (sparse(40).at(-1)!.timestampMs - sparse(40)[0]!.timestampMs) / MINUTE;
      expect(state.n).toBe(minutes + 1);
    });

    it('without the window length the same burst is lost in warm-up', () => {
      // Act
      const { scored } = run(sparse(40));
      // Assess
      expect(scored.at(-1)!.warmingUp).toBe(true);
      expect(scored.at(-1)!.score).toBe(0);
    });

    it('a single error after silence is not an anomaly', () => {
      // Act
      const { scored } = run(sparse(1, MINUTE));
      // Assess
      expect(scored.at(-1)!.warmingUp).toBe(false);
      expect(scored.at(-1)!.score).toBeLessThan(ALERT);
    });

    it('bounds the work of a long silence: at most three memories of zeros are learnt', () => {
      // Prepare
      let state = initialState();
      state = update(state, {
        timestampMs: T0,
        value: 2,
        valueIsCount: true,
        windowMs: MINUTE,
      }).state;
      // Act: a year of silent minutes
      const year = 365 * 1440;
      const r = update(state, {
        timestampMs: T0 + year * MINUTE,
        value: 2,
        valueIsCount: true,
        windowMs: MINUTE,
      });
      // Assess
      expect(r.state.n).toBe(1 + 3 * 288 + 1);
      expect(() =>
        update(state, { timestampMs: T0 + MINUTE, value: 1, valueIsCount: true, windowMs: 0 }),
      ).toThrow(/windowMs/);
    });
  });

  it('rejects a window with a non-finite feature or a negative count and leaves the state untouched', () => {
    // Prepare
    let state = initialState();
    for (const p of windows(29).slice(0, 50)) state = update(state, p).state;
    const before = JSON.stringify(state);
    // Act / Assess: even the in-place update checks every feature before it touches the state
    expect(() => updateInPlace(state, { timestampMs: T0, value: 1, p99: Number.NaN })).toThrow(
      /p99/,
    );
    expect(() => updateInPlace(state, { timestampMs: T0, value: 1, count: -1 })).toThrow(/count/);
    expect(JSON.stringify(state)).toBe(before);
  });
});
