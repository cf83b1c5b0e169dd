import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { DEFAULT_ALERTING_CONFIG } from '../../src/alerting/episode.js';
import { DEFAULT_DETECTOR_CONFIG } from '../../src/detector/index.js';
import { emptyCounters, type ProcessorDeps, processWindow } from '../../src/processor.js';
import {
  RECENT_WINDOWS,
  type ScoreOutcome,
  type SeriesItem,
  scoreWindow,
} from '../../src/scoring.js';
import { MemoryStore, RecordingPublisher, steadyValues, windowAt } from '../helpers/windows.js';

const NOW = '2026-01-02T00:00:00.000Z';
// A shorter warm-up keeps the generated runs short while still scoring (and alerting) in them.
const DETECTOR = { ...DEFAULT_DETECTOR_CONFIG, warmupPoints: 10 };
const ALERTING = DEFAULT_ALERTING_CONFIG;

function score(item: SeriesItem | undefined, w: ReturnType<typeof windowAt>): ScoreOutcome {
  return scoreWindow(item, w, NOW, DETECTOR, ALERTING);
}

function apply(item: SeriesItem | undefined, w: ReturnType<typeof windowAt>) {
  const o = score(item, w);
  return o.kind === 'apply' ? o.item : item;
}

function run(vals: readonly number[]): SeriesItem {
  let item: SeriesItem | undefined;
  vals.forEach((v, i) => {
    item = apply(item, windowAt(i, v));
  });
  return item as SeriesItem;
}

/** The item without its write counter (a redelivery-heavy run writes more often). */
function content(item: SeriesItem | undefined) {
  if (!item) return undefined;
  const { version: _version, ...rest } = item;
  return rest;
}

function statuses(item: SeriesItem): string[] {
  return item.outbox.map((e) => JSON.parse(e.message).data.status as string);
}

const QUIET = steadyValues(40);

describe('a correction of the last scored window', () => {
  it('replaces its contribution: the model learns the window once, from the latest revision', () => {
    // Prepare
    const first = run([...QUIET, 500]);
    // Act: the spike was a partial window; the corrected window is ordinary, then the next one.
    const corrected = apply(first, windowAt(40, 52, {}, 1));
    const next = apply(corrected, windowAt(41, 51));
    // Assess
    const reference = apply(apply(run(QUIET), windowAt(40, 52, {}, 1)), windowAt(41, 51));
    expect(content(next)).toEqual(content(reference));
    expect(next?.state).toBe(run([...QUIET, 52, 51]).state);
    expect(next?.points).toBe(42);
  });

  it('withdraws an alert of the replaced revision that is still in the outbox', () => {
    // Prepare
    const spiked = run([...QUIET, 500]);
    expect(statuses(spiked)).toEqual(['open']);
    // Act
    const out = score(spiked, windowAt(40, 52, {}, 1));
    // Assess
    expect(out.kind).toBe('apply');
    if (out.kind !== 'apply') return;
    expect(out.mode).toBe('latest');
    expect(out.withdrawn).toEqual([spiked.outbox[0]?.id]);
    expect(out.item.outbox).toEqual([]);
    expect(out.item.episodes.open).toBeNull();
    expect(out.item.lastAlert).toBeNull();
  });

  it('answers a published open it no longer supports with a recovered withdrawal of the same episode', () => {
    // Prepare: the open went out (the outbox was drained).
    const spiked = { ...run([...QUIET, 500]), outbox: [] };
    // Act
    const out = score(spiked, windowAt(40, 52, {}, 1));
    // Assess
    if (out.kind !== 'apply') throw new Error('expected apply');
    expect(out.compensation?.data).toMatchObject({
      status: 'recovered',
      episodeId: spiked.lastAlert?.episodeId,
      observed: 52,
    });
    expect(out.compensation?.data.explanation).toMatch(/^Withdrawn: revision 1/);
    expect(out.compensation?.id).not.toBe(spiked.lastAlert?.id);
    expect(out.item.outbox.map((e) => e.id)).toEqual([out.compensation?.id]);
    expect(out.item.episodes.open).toBeNull();
  });

  it('opens an episode when the correction turns an ordinary window into a spike', () => {
    // Prepare
    const quiet = run([...QUIET, 52]);
    // Act
    const out = score(quiet, windowAt(40, 500, {}, 1));
    // Assess
    if (out.kind !== 'apply') throw new Error('expected apply');
    expect(out.alert?.data).toMatchObject({ status: 'open', observed: 500 });
    expect(out.item.outbox.map((e) => e.id)).toEqual([out.alert?.id]);
  });

  it('sends no second message when a published open is confirmed by the correction', () => {
    // Prepare
    const spiked = { ...run([...QUIET, 500]), outbox: [] };
    // Act
    const out = score(spiked, windowAt(40, 520, {}, 1));
    // Assess
    if (out.kind !== 'apply') throw new Error('expected apply');
    expect(out.alert).toBeUndefined();
    expect(out.compensation).toBeUndefined();
    expect(out.item.outbox).toEqual([]);
    expect(out.item.lastAlert).toEqual(spiked.lastAlert);
    expect(out.item.episodes.open?.id).toBe(spiked.episodes.open?.id);
  });

  it('amends a published open when the correction keeps the decision at another severity', () => {
    // Prepare: a critical open went out (the outbox was drained).
    const spiked = { ...run([...QUIET, 500]), outbox: [] };
    expect(spiked.lastAlert?.severity).toBe('critical');
    // Act: the corrected window is still anomalous, much less so.
    const out = score(spiked, windowAt(40, 66, {}, 1));
    const again = out.kind === 'apply' ? score(out.item, windowAt(40, 66, {}, 1)) : out;
    // Assess
    if (out.kind !== 'apply') throw new Error('expected apply');
    expect(out.alert?.data).toMatchObject({
      status: 'open',
      severity: 'medium',
      episodeId: spiked.lastAlert?.episodeId,
      observed: 66,
    });
    expect(out.alert?.data.explanation).toMatch(
      /^Amended: revision 1 of window .* changes the severity from critical to medium\. /,
    );
    expect(out.alert?.id).not.toBe(spiked.lastAlert?.id);
    expect(out.compensation).toBeUndefined();
    expect(out.item.outbox.map((e) => e.id)).toEqual([out.alert?.id]);
    expect(out.item.lastAlert).toMatchObject({ id: out.alert?.id, severity: 'medium' });
    expect(out.item.episodes.open?.id).toBe(spiked.episodes.open?.id);
    expect(again).toEqual({ kind: 'skip', reason: 'duplicate' });
  });

  it('reopens an episode whose published recovery the correction no longer supports', () => {
    // Prepare: a spike, then ordinary windows until the recovery is published.
    let item = run([...QUIET, 500]);
    let i = 41;
    while (!statuses(item).includes('recovered') && i < 100) {
      item = apply(item, windowAt(i, 50)) as SeriesItem;
      i += 1;
    }
    const recovered = { ...item, outbox: [] };
    // Act: the recovering window was in fact still far off.
    const out = score(recovered, windowAt(i - 1, 300, {}, 1));
    // Assess
    if (out.kind !== 'apply') throw new Error('expected apply');
    expect(out.compensation?.data).toMatchObject({
      status: 'open',
      episodeId: recovered.lastAlert?.episodeId,
    });
    expect(out.compensation?.data.explanation).toMatch(/^Reopened/);
    expect(out.item.episodes.open?.id).toBe(recovered.lastAlert?.episodeId);
  });

  it('is skipped on an item written before corrections were re-scored (no pending point)', () => {
    // Prepare
    const { pending: _p, prevEpisodes: _e, ...legacy } = run([...QUIET, 52]);
    // Act
    const out = score(legacy, windowAt(40, 500, {}, 1));
    // Assess
    expect(out).toEqual({ kind: 'skip', reason: 'correction' });
  });
});

describe('a correction of an earlier window', () => {
  it('is scored without teaching the model and opens an episode when it is anomalous', () => {
    // Prepare
    const item = run([...QUIET, 52, 51, 50]);
    // Act
    const out = score(item, windowAt(40, 500, {}, 1));
    // Assess
    if (out.kind !== 'apply') throw new Error('expected apply');
    expect(out.mode).toBe('older');
    expect(out.item.state).toBe(item.state);
    expect(out.item.pending).toEqual(item.pending);
    expect(out.item.points).toBe(item.points);
    expect(out.alert?.data).toMatchObject({
      status: 'open',
      windowStart: windowAt(40, 0).data.windowStart,
    });
    expect(out.item.episodes.open?.id).toBe(out.alert?.data.episodeId);
  });

  it('does not alert for a window that was already anomalous, and an older revision after it is a no-op', () => {
    // Prepare: window 40 alerted at revision 0, its episode has recovered since.
    let item = run([...QUIET, 500]);
    for (let i = 41; i < 60; i++) item = apply(item, windowAt(i, 50)) as SeriesItem;
    expect(item.episodes.open).toBeNull();
    // Act
    const revised = score(item, windowAt(40, 700, {}, 2));
    const revisedItem = revised.kind === 'apply' ? revised.item : item;
    const older = score(revisedItem, windowAt(40, 50, {}, 1));
    // Assess
    expect(revised.kind).toBe('apply');
    if (revised.kind !== 'apply') return;
    expect(revised.alert).toBeUndefined();
    expect(revised.item.episodes).toEqual(item.episodes);
    expect(older).toEqual({ kind: 'skip', reason: 'duplicate' });
  });

  it(`is stale once more than ${RECENT_WINDOWS} windows have followed, and ordinary windows cost no memory`, () => {
    // Prepare: windows 0..68, so window 4 is the oldest within reach.
    const item = run(steadyValues(RECENT_WINDOWS + 5).map(() => 50));
    // Act
    const outcomes = [3, 4].map((i) => score(item, windowAt(i, 500, {}, 1)));
    // Assess
    expect(outcomes.map((o) => (o.kind === 'skip' ? o.reason : o.mode))).toEqual([
      'stale',
      'older',
    ]);
    expect(item.recent).toEqual([]);
    const revised = outcomes[1];
    if (revised?.kind !== 'apply') throw new Error('expected apply');
    expect(revised.item.recent).toEqual([[Date.parse(windowAt(4, 0).data.windowStart), 1, 1]]);
  });
});

/** Revisions of one window: values of revisions 0..k (the last one is the final revision). */
const windowRevisions = fc.array(
  fc.oneof(
    fc.double({ min: 40, max: 60, noNaN: true }),
    fc.double({ min: -1e4, max: 1e4, noNaN: true }),
  ),
  { minLength: 1, maxLength: 3 },
);

describe('corrections, properties', () => {
  it('any order of revisions with duplicates and redeliveries gives the item of each final revision applied once', () => {
    fc.assert(
      fc.property(
        fc.array(windowRevisions, { minLength: 1, maxLength: 45 }),
        fc.infiniteStream(fc.nat()),
        (series, picks) => {
          // Prepare: every window's revisions in a random order with duplicates (the final one
          // at least once), each followed now and then by a redelivery of an earlier window.
          const deliveries: ReturnType<typeof windowAt>[] = [];
          const next = () => picks.next().value as number;
          series.forEach((revs, i) => {
            const order = [revs.length - 1];
            const extra = next() % 4;
            for (let k = 0; k < extra; k++) order.push(next() % revs.length);
            for (let k = order.length - 1; k > 0; k--) {
              const j = next() % (k + 1);
              [order[k], order[j]] = [order[j] as number, order[k] as number];
            }
            for (const r of order) deliveries.push(windowAt(i, revs[r] as number, {}, r));
            if (i > 0 && next() % 3 === 0) {
              const j = next() % i;
              const old = series[j] as number[];
              const r = next() % old.length;
              deliveries.push(windowAt(j, old[r] as number, {}, r));
            }
          });
          // Act
          let item: SeriesItem | undefined;
          for (const w of deliveries) item = apply(item, w);
          // Assess
          let reference: SeriesItem | undefined;
          series.forEach((revs, i) => {
            const r = revs.length - 1;
            reference = apply(reference, windowAt(i, revs[r] as number, {}, r));
          });
          expect(content(item)).toEqual(content(reference));
        },
      ),
      { numRuns: 150 },
    );
  }, 60_000);

  it('late corrections of earlier windows never teach the model, and redelivering everything is a no-op', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1e4, max: 1e4, noNaN: true }), {
          minLength: 2,
          maxLength: 45,
        }),
        fc.array(
          fc.tuple(
            fc.nat(),
            fc.nat(),
            fc.integer({ min: 1, max: 3 }),
            fc.double({ min: -1e4, max: 1e4, noNaN: true }),
          ),
          {
            maxLength: 20,
          },
        ),
        (vals, late) => {
          // Prepare: after window i, a correction of an earlier window j (any revision 1..3).
          const deliveries: ReturnType<typeof windowAt>[] = [];
          vals.forEach((v, i) => {
            deliveries.push(windowAt(i, v));
            for (const [at, which, rev, x] of late) {
              if (i > 0 && at % vals.length === i) {
                deliveries.push(windowAt(which % i, x, {}, rev));
              }
            }
          });
          // Act
          let item: SeriesItem | undefined;
          for (const w of deliveries) item = apply(item, w);
          const again = deliveries.map((w) => score(item, w));
          // Assess
          const plain = run(vals);
          expect(item?.state).toBe(plain.state);
          expect(item?.pending).toEqual(plain.pending);
          expect(item?.points).toBe(vals.length);
          expect(again.every((o) => o.kind === 'skip')).toBe(true);
        },
      ),
      { numRuns: 150 },
    );
  }, 60_000);
});

describe('processWindow with corrections', () => {
  it('publishes the withdrawal of a published open at once, and a redelivered correction publishes nothing', async () => {
    // Prepare
    const store = new MemoryStore();
    const publisher = new RecordingPublisher();
    const deps: ProcessorDeps = {
      store,
      publisher,
      detector: DETECTOR,
      alerting: ALERTING,
      maxConflictRetries: 3,
      outboxLeaseMs: 10_000,
      now: () => Date.parse(NOW),
      sleep: async () => {
        throw new Error('must not wait for its own alerts');
      },
    };
    for (const [i, v] of [...QUIET, 500].entries()) await processWindow(windowAt(i, v), deps);
    const counters = emptyCounters();
    // Act
    await processWindow(windowAt(40, 52, {}, 1), deps, counters);
    await processWindow(windowAt(40, 52, {}, 1), deps, counters);
    await processWindow(windowAt(40, 500, {}, 0), deps, counters);
    // Assess
    const data = publisher.published.map((e) => JSON.parse(e.message).data);
    expect(data.map((x) => x.status)).toEqual(['open', 'recovered']);
    expect(data[1].episodeId).toBe(data[0].episodeId);
    expect(counters).toMatchObject({
      correctionsLatest: 1,
      alertsCompensated: 1,
      skipped: { duplicate: 2 },
    });
    expect([...store.items.values()][0]?.outbox).toEqual([]);
  });
});
