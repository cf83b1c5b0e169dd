import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { DEFAULT_ALERTING_CONFIG } from '../../src/alerting/episode.js';
import {
  DEFAULT_DETECTOR_CONFIG,
  deserializeState,
  serializeState,
} from '../../src/detector/index.js';
import { type SeriesItem, scoreWindow } from '../../src/scoring.js';
import { windowAt } from '../helpers/windows.js';

const NOW = '2026-01-02T00:00:00.000Z';
const values = fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true }), {
  minLength: 1,
  maxLength: 60,
});

function run(vals: readonly number[]): SeriesItem | undefined {
  let item: SeriesItem | undefined;
  vals.forEach((v, i) => {
    const out = scoreWindow(
      item,
      windowAt(i, v),
      NOW,
      DEFAULT_DETECTOR_CONFIG,
      DEFAULT_ALERTING_CONFIG,
    );
    if (out.kind === 'apply') item = out.item;
  });
  return item;
}

describe('scoreWindow properties', () => {
  it('replaying any already scored window (same or older revision) is a no-op', () => {
    fc.assert(
      fc.property(values, fc.nat(), (vals, pick) => {
        // Prepare
        const item = run(vals);
        const i = pick % vals.length;
        // Act
        const replay = scoreWindow(
          item,
          windowAt(i, vals[i] as number),
          NOW,
          DEFAULT_DETECTOR_CONFIG,
          DEFAULT_ALERTING_CONFIG,
        );
        // Assess
        expect(replay.kind).toBe('skip');
      }),
      { numRuns: 200 },
    );
  });

  it('a stored item round-trips through JSON and scores the next window identically', () => {
    fc.assert(
      fc.property(
        values,
        fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true }),
        (vals, next) => {
          // Prepare
          const item = run(vals) as SeriesItem;
          const stored = JSON.parse(JSON.stringify(item)) as SeriesItem;
          const w = windowAt(vals.length, next);
          // Act
          const a = scoreWindow(item, w, NOW, DEFAULT_DETECTOR_CONFIG, DEFAULT_ALERTING_CONFIG);
          const b = scoreWindow(stored, w, NOW, DEFAULT_DETECTOR_CONFIG, DEFAULT_ALERTING_CONFIG);
          // Assess
          expect(b).toEqual(a);
          expect(JSON.parse(serializeState(deserializeState(item.state)))).toEqual(
            JSON.parse(item.state),
          );
        },
      ),
      { numRuns: 100 },
    );
  });

  it('scores a window once per series: versions count the applied windows', () => {
    fc.assert(
      fc.property(values, (vals) => {
        // Act
        const item = run(vals) as SeriesItem;
        // Assess
        expect(item.version).toBe(vals.length);
        expect(item.points).toBe(vals.length);
        expect(item.lastWindowStart).toBe(windowAt(vals.length - 1, 0).data.windowStart);
      }),
      { numRuns: 50 },
    );
  });
});

describe('scoreWindow rules', () => {
  it('skips non-final windows, re-scores a correction of the last window, scores one of an earlier window, applies the next', () => {
    // Prepare
    const item = run([1, 2, 3]);
    const notFinal = windowAt(3, 4);
    notFinal.data.final = false;
    // Act
    const outcomes = [
      scoreWindow(item, notFinal, NOW, DEFAULT_DETECTOR_CONFIG, DEFAULT_ALERTING_CONFIG),
      scoreWindow(
        item,
        windowAt(2, 9, {}, 1),
        NOW,
        DEFAULT_DETECTOR_CONFIG,
        DEFAULT_ALERTING_CONFIG,
      ),
      scoreWindow(
        item,
        windowAt(0, 9, {}, 1),
        NOW,
        DEFAULT_DETECTOR_CONFIG,
        DEFAULT_ALERTING_CONFIG,
      ),
      scoreWindow(
        item,
        windowAt(3, 4, {}, 2),
        NOW,
        DEFAULT_DETECTOR_CONFIG,
        DEFAULT_ALERTING_CONFIG,
      ),
    ];
    // Assess
    expect(outcomes.map((o) => (o.kind === 'skip' ? o.reason : o.mode))).toEqual([
      'not-final',
      'latest',
      'older',
      'new',
    ]);
  });

  it('puts an alert in the outbox at an onset, scoring log counts by their count', () => {
    // Prepare
    const vals = Array.from({ length: 120 }, (_, i) => 5 + (i % 3));
    const item = (() => {
      let it: SeriesItem | undefined;
      vals.forEach((v, i) => {
        const o = scoreWindow(
          it,
          windowAt(i, v, { kind: 'log' }),
          NOW,
          DEFAULT_DETECTOR_CONFIG,
          DEFAULT_ALERTING_CONFIG,
        );
        if (o.kind === 'apply') it = o.item;
      });
      return it;
    })();
    // Act
    const out = scoreWindow(
      item,
      windowAt(vals.length, 400, { kind: 'log' }),
      NOW,
      DEFAULT_DETECTOR_CONFIG,
      DEFAULT_ALERTING_CONFIG,
    );
    // Assess
    expect(out.kind).toBe('apply');
    if (out.kind !== 'apply') return;
    expect(out.observed).toBe(400);
    expect(out.alert?.data).toMatchObject({ status: 'open', metric: 'log.count', observed: 400 });
    expect(out.item.outbox.map((e) => e.id)).toEqual([out.alert?.id]);
  });

  it('alerts on an error burst after silence on a log series that has windows only when it logs', () => {
    // Prepare: a single error every 97 minutes (no window in between), 25 times.
    let item: SeriesItem | undefined;
    for (let k = 1; k <= 25; k++) {
      const o = scoreWindow(
        item,
        windowAt(97 * k, 1, { kind: 'log' }),
        NOW,
        DEFAULT_DETECTOR_CONFIG,
        DEFAULT_ALERTING_CONFIG,
      );
      if (o.kind === 'apply') item = o.item;
    }
    // Act: four quiet hours later, 40 errors in a minute
    const out = scoreWindow(
      item,
      windowAt(97 * 25 + 240, 40, { kind: 'log' }),
      NOW,
      DEFAULT_DETECTOR_CONFIG,
      DEFAULT_ALERTING_CONFIG,
    );
    // Assess: the silent minutes were learnt as zero counts, so the series is past warm-up
    expect(out.kind).toBe('apply');
    if (out.kind !== 'apply') return;
    expect(out.scored.warmingUp).toBe(false);
    expect(out.alert?.data).toMatchObject({ status: 'open', metric: 'log.count', observed: 40 });
  });
});
