import { describe, expect, it } from '@jest/globals';
import type { WindowSpec } from '@streamlens/query';
import fc from 'fast-check';
import { latenessEndOf, windowsOf } from '../../../src/query/windows.js';
import { naiveWindows } from '../../helpers/query-oracle.js';

/** Windows as [start, end, times] for readable expectations. */
function shape(spec: WindowSpec, times: number[]) {
  return windowsOf(spec, times).map((w) => [w.startMs, w.endMs, times.slice(w.from, w.to)]);
}

/** The definitions, quadratic and obvious (the property test's oracle), as [start, end, times]. */
function naive(spec: WindowSpec, times: number[]) {
  return naiveWindows(spec, times).map(([s, e, idx]) => [s, e, idx.map((i) => times[i]!)]);
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_v, i) => from + i);
}

describe('windowsOf', () => {
  it('tumbling: epoch-aligned, only windows holding events', () => {
    expect(shape({ kind: 'tumbling', sizeMs: 10 }, [1, 9, 10, 35])).toEqual([
      [0, 10, [1, 9]],
      [10, 20, [10]],
      [30, 40, [35]],
    ]);
  });

  it('sliding: an event is in size / slide windows', () => {
    expect(shape({ kind: 'sliding', sizeMs: 30, slideMs: 10 }, [25])).toEqual([
      [0, 30, [25]],
      [10, 40, [25]],
      [20, 50, [25]],
    ]);
  });

  it('stagger: a window opens with the first event, the next with the first event after it', () => {
    expect(shape({ kind: 'stagger', sizeMs: 60 }, [7, 30, 66, 67, 200])).toEqual([
      [7, 67, [7, 30, 66]],
      [67, 127, [67]],
      [200, 260, [200]],
    ]);
  });

  it('session: events closer than the gap chain; the session ends a gap after its last event', () => {
    expect(shape({ kind: 'session', gapMs: 10 }, [0, 9, 18, 28, 40])).toEqual([
      [0, 28, [0, 9, 18]],
      [28, 38, [28]],
      [40, 50, [40]],
    ]);
  });

  it('equals the definitions for every kind and any times (linear, not quadratic, work)', () => {
    const spec = fc.oneof(
      fc.integer({ min: 1, max: 50 }).map((s): WindowSpec => ({ kind: 'tumbling', sizeMs: s })),
      fc
        .tuple(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 6 }))
        .map(([slide, k]): WindowSpec => ({ kind: 'sliding', sizeMs: slide * k, slideMs: slide })),
      fc.tuple(fc.integer({ min: 2, max: 40 }), fc.integer({ min: 1, max: 40 })).map(
        ([size, slide]): WindowSpec => ({
          kind: 'sliding',
          sizeMs: Math.max(size, slide),
          slideMs: Math.min(size, slide),
        }),
      ),
      fc.integer({ min: 1, max: 50 }).map((s): WindowSpec => ({ kind: 'stagger', sizeMs: s })),
      fc.integer({ min: 1, max: 50 }).map((g): WindowSpec => ({ kind: 'session', gapMs: g })),
    );
    fc.assert(
      fc.property(
        spec,
        fc.array(fc.integer({ min: -500, max: 500 }), { maxLength: 60 }),
        (s, ts) => {
          const times = [...ts].sort((a, b) => a - b);
          expect(shape(s, times)).toEqual(naive(s, times));
          // The lateness rule judges an event by an end at or after every window it is in (a
          // session: at or after the lone session of its last event).
          for (const w of windowsOf(s, times)) {
            const judged = s.kind === 'session' ? [w.to - 1] : range(w.from, w.to);
            for (const i of judged)
              expect(latenessEndOf(s, times[i]!)).toBeGreaterThanOrEqual(w.endMs);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
