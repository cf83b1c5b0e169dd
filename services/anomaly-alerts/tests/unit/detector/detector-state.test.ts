import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { DEFAULT_DETECTOR_CONFIG } from '../../../src/detector/config.js';
import { update, updateInPlace } from '../../../src/detector/detector.js';
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
    const { state } = run(
      series(100, (i) => i % 5),
      DEFAULT_DETECTOR_CONFIG,
    );
    const good = JSON.parse(serializeState(state)) as Record<string, unknown>;
    const ch = good.ch as Record<string, number[]>;
    // Act / Assess
    expect(() => deserializeState('{not json')).toThrow(DetectorStateError);
    expect(() => deserializeState('[]')).toThrow(DetectorStateError);
    expect(() => deserializeState(JSON.stringify({ ...good, v: STATE_VERSION + 1 }))).toThrow(
      /unsupported detector state version/,
    );
    expect(() => deserializeState(JSON.stringify({ ...good, n: 'x' }))).toThrow(/field n /);
    expect(() => deserializeState(JSON.stringify({ ...good, n: -1 }))).toThrow(/field n /);
    expect(() => deserializeState(JSON.stringify({ ...good, hist: [1, null] }))).toThrow(/hist/);
    expect(() => deserializeState(JSON.stringify({ ...good, hist: [1] }))).toThrow(/hist/);
    expect(() => deserializeState(JSON.stringify({ ...good, lastTs: 'x' }))).toThrow(/lastTs/);
    expect(() =>
      deserializeState(JSON.stringify({ ...good, ch: { ...ch, p42: ch.value } })),
    ).toThrow(/unknown channel p42/);
    expect(() => deserializeState(JSON.stringify({ ...good, ch: { value: [1, 2, 3] } }))).toThrow(
      /channel value/,
    );
    expect(() => deserializeState(JSON.stringify({ ...good, ch: [] }))).toThrow(/field ch/);
    const tv = good.tv as number[];
    expect(() => deserializeState(JSON.stringify({ ...good, tv: tv.slice(1) }))).toThrow(
      /field tv/,
    );
    expect(() => deserializeState(JSON.stringify({ ...good, tc: undefined }))).toThrow(/field tc/);
    expect(() =>
      deserializeState(JSON.stringify({ ...good, tv: [tv[0], -1, ...tv.slice(2)] })),
    ).toThrow(/field tv/);
    expect(() =>
      deserializeState(JSON.stringify({ ...good, tc: [0, 1, -3, ...tv.slice(3)] })),
    ).toThrow(/field tc/);
  });

  it('starts a series afresh from a state of the earlier detector (versions 2 to 5)', () => {
    // Prepare
    const old = JSON.stringify({ v: 3, n: 5000, slowM: 3, hist: [1, 2] });
    // Act
    const s = deserializeState(old);
    // Assess
    expect(s).toEqual(initialState());
    expect(deserializeState(JSON.stringify({ v: 2 }))).toEqual(initialState());
    // Version 4 had six numbers per channel; its models lack the recent level.
    const v4 = { v: 4, n: 40, lastTs: 0, ch: { value: [40, 1, 1, 1, 1, 1] }, hist: [] };
    expect(deserializeState(JSON.stringify(v4))).toEqual(initialState());
    // Version 5 had no long-memory sketches: its series relearn, rather than start them empty
    // beside weeks of short-memory history.
    const v5 = { v: 5, n: 40, lastTs: 0, ch: { value: [40, 1, 1, 1, 1, 1, 1, 1] }, hist: [] };
    expect(deserializeState(JSON.stringify(v5))).toEqual(initialState());
  });

  it('keeps the state of a whole-window series under 8 KB after 30k windows', () => {
    // Prepare
    const g = gaussian(43);
    let state = initialState();
    // Act
    // Longer than the calibration memory (8640), so its counts have been halved too.
    for (let i = 0; i < 30_000; i++) {
      const mean = 100 + 10 * g() + (i % 9973 === 0 ? 500 : 0);
      state = updateInPlace(state, {
        timestampMs: T0 + i * 60_000,
        value: mean,
        count: Math.max(0, Math.round(600 + 50 * g())),
        p50: mean + g(),
        p90: mean * 1.4 + g(),
        p99: mean * 1.9 + 3 * g(),
        min: mean / 10,
        max: mean * 2.5 + 5 * g(),
      }).state;
    }
    const bytes = Buffer.byteLength(serializeState(state));
    // Assess
    expect(Object.keys(state.ch)).toEqual(['value', 'count', 'p50', 'p90', 'p99', 'min', 'max']);
    expect(bytes).toBeLessThan(MAX_STATE_BYTES);
  });
});
