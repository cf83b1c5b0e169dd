import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { DEFAULT_DETECTOR_CONFIG } from '../../../src/detector/config.js';
import { update } from '../../../src/detector/detector.js';
import { DetectorStateError } from '../../../src/detector/errors.js';
import {
  deserializeState,
  initialState,
  STATE_VERSION,
  serializeState,
} from '../../../src/detector/state.js';
import { gaussian, type Point, run, STEP_MS, series, T0 } from './synthetic.js';

const MAX_STATE_BYTES = 8 * 1024;

/** Random series: finite values of any sign and scale, increasing timestamps with random gaps. */
const arbSeries = fc
  .array(
    fc.record({
      gapSteps: fc.integer({ min: 0, max: 50 }),
      value: fc.oneof(
        fc.double({ min: -1e9, max: 1e9, noNaN: true }),
        fc.integer({ min: -5, max: 5 }),
        fc.constant(0),
      ),
    }),
    { minLength: 1, maxLength: 300 },
  )
  .map((rows) => {
    let t = T0;
    return rows.map((r): Point => {
      t += r.gapSteps * STEP_MS;
      return { timestampMs: t, value: r.value };
    });
  });

describe('detector state', () => {
  it('round-trips through serialise/deserialise at any point of any series', () => {
    fc.assert(
      fc.property(arbSeries, (points) => {
        // Prepare
        const { state } = run(points);
        // Act
        const json = serializeState(state);
        const back = deserializeState(json);
        // Assess
        expect(back).toEqual(state);
        expect(serializeState(back)).toBe(json);
      }),
      { numRuns: 200 },
    );
  }, 60_000);

  it('scores identically whether or not the state is persisted between points', () => {
    fc.assert(
      fc.property(arbSeries, (points) => {
        // Prepare
        const inMemory = run(points).scored.map((s) => s.score);
        // Act: what the service does, one stored item per window
        let json = serializeState(initialState());
        const persisted: number[] = [];
        for (const p of points) {
          const r = update(deserializeState(json), p);
          json = serializeState(r.state);
          persisted.push(r.scored.score);
        }
        // Assess
        expect(persisted).toEqual(inMemory);
      }),
      { numRuns: 100 },
    );
  }, 60_000);

  it('always scores in [0, 1] with finite expectations and stays small', () => {
    fc.assert(
      fc.property(arbSeries, (points) => {
        // Act
        const { scored, state } = run(points);
        // Assess
        for (const s of scored) {
          expect(s.score).toBeGreaterThanOrEqual(0);
          expect(s.score).toBeLessThanOrEqual(1);
          expect(Number.isFinite(s.expectedLow) && Number.isFinite(s.expectedHigh)).toBe(true);
        }
        expect(serializeState(state).length).toBeLessThan(MAX_STATE_BYTES);
      }),
      { numRuns: 200 },
    );
  }, 60_000);

  it('stays under 8 KB after 100k points', () => {
    // Prepare
    const noise = gaussian(41);
    let state = initialState();
    // Act
    for (let i = 0; i < 100_000; i++) {
      const value = 1000 + 100 * Math.sin(i / 40) + 10 * noise() + (i % 997 === 0 ? 500 : 0);
      state = update(state, { timestampMs: T0 + i * STEP_MS, value }).state;
    }
    // Assess
    expect(state.n).toBe(100_000);
    expect(new TextEncoder().encode(serializeState(state)).length).toBeLessThan(MAX_STATE_BYTES);
  }, 120_000);

  it('is deterministic and does not mutate its input', () => {
    // Prepare
    const noise = gaussian(43);
    const points = series(2000, (i) => 10 + noise() + (i === 1500 ? 9 : 0));
    const { state } = run(points.slice(0, 1999));
    const before = serializeState(state);
    // Act
    const a = update(state, points[1999]!);
    const b = update(state, points[1999]!);
    // Assess
    expect(serializeState(state)).toBe(before);
    expect(serializeState(a.state)).toBe(serializeState(b.state));
    expect(a.scored).toEqual(b.scored);
    expect(run(points).scored).toEqual(run(points).scored);
  });

  it('rejects malformed, foreign-version and non-finite states', () => {
    // Prepare
    const good = JSON.parse(serializeState(initialState())) as Record<string, unknown>;
    // Act / Assess
    expect(() => deserializeState('{not json')).toThrow(DetectorStateError);
    expect(() => deserializeState('[]')).toThrow(DetectorStateError);
    expect(() => deserializeState(JSON.stringify({ ...good, v: STATE_VERSION + 1 }))).toThrow(
      /unsupported detector state version/,
    );
    expect(() => deserializeState(JSON.stringify({ ...good, slowM: 'x' }))).toThrow(/slowM/);
    expect(() => deserializeState(JSON.stringify({ ...good, hist: [1, null] }))).toThrow(/hist/);
    expect(() => deserializeState(JSON.stringify({ ...good, day: [1] }))).toThrow(/lengths/);
    expect(() => deserializeState(JSON.stringify({ ...good, t0: undefined }))).toThrow(/t0/);
  });

  it('accepts a state written under a different bin configuration and relearns the profiles', () => {
    // Prepare
    const other = { ...DEFAULT_DETECTOR_CONFIG, binsPerDay: 12 };
    const { state } = run(
      series(500, (i) => i % 7),
      other,
    );
    // Act
    const r = update(state, { timestampMs: T0 + 500 * STEP_MS, value: 3 });
    // Assess
    expect(r.state.day).toHaveLength(DEFAULT_DETECTOR_CONFIG.binsPerDay);
    expect(r.state.week).toHaveLength(7 * DEFAULT_DETECTOR_CONFIG.binsPerDay);
    expect(Number.isFinite(r.scored.score)).toBe(true);
  });
});
