import { describe, expect, it } from '@jest/globals';
import { DEFAULT_ALERTING_CONFIG } from '../../src/alerting/episode.js';
import { DEFAULT_DETECTOR_CONFIG } from '../../src/detector/index.js';
import { PublishError, StateConflictError } from '../../src/errors.js';
import { emptyCounters, type ProcessorDeps, processWindow } from '../../src/processor.js';
import { MemoryStore, RecordingPublisher, steadyValues, windowAt } from '../helpers/windows.js';

function deps(
  store: MemoryStore,
  publisher: RecordingPublisher,
  extra: Partial<ProcessorDeps> = {},
): ProcessorDeps {
  return {
    store,
    publisher,
    detector: DEFAULT_DETECTOR_CONFIG,
    alerting: DEFAULT_ALERTING_CONFIG,
    maxConflictRetries: 3,
    outboxLeaseMs: 10_000,
    now: () => Date.parse('2026-01-02T00:00:00.000Z'),
    sleep: async () => {},
    ...extra,
  };
}

async function feed(d: ProcessorDeps, vals: readonly number[]) {
  for (const [i, v] of vals.entries()) await processWindow(windowAt(i, v), d);
}

describe('processWindow', () => {
  it('publishes one open and one recovery for a spike, clears the outbox, and a redelivery publishes nothing', async () => {
    // Prepare
    const store = new MemoryStore();
    const publisher = new RecordingPublisher();
    const d = deps(store, publisher);
    const vals = steadyValues(100, 80);
    // Act
    await feed(d, vals);
    await feed(d, vals); // the whole stream again: every window is a no-op
    // Assess
    const data = publisher.published.map((e) => JSON.parse(e.message).data);
    expect(data.map((x) => x.status)).toEqual(['open', 'recovered']);
    expect(data[0]).toMatchObject({ observed: 500, windowStart: windowAt(80, 0).data.windowStart });
    expect(data[1].episodeId).toBe(data[0].episodeId);
    const item = [...store.items.values()][0];
    expect(item?.outbox).toEqual([]);
    expect(item?.points).toBe(100);
  });

  it('hands the publisher the deadline of the invocation that processes the window', async () => {
    // Prepare: one container (one store, one publisher); each window in its own invocation,
    // whose deadline is 1,000 + the window's index.
    const store = new MemoryStore();
    const publisher = new RecordingPublisher();
    // Act
    for (const [i, v] of steadyValues(100, 80).entries()) {
      await processWindow(windowAt(i, v), deps(store, publisher, { deadline: () => 1_000 + i }));
    }
    // Assess: the open alert under window 80's deadline, the recovery under a later window's.
    expect(publisher.published.map((e) => JSON.parse(e.message).data.status)).toEqual([
      'open',
      'recovered',
    ]);
    expect(publisher.deadlines[0]).toBe(1_080);
    expect(publisher.deadlines[1]).toBeGreaterThan(1_080);
  });

  it('keeps an alert it could not publish in the outbox, fails, and publishes it on redelivery with the same id', async () => {
    // Prepare
    const store = new MemoryStore();
    const publisher = new RecordingPublisher();
    let t = Date.parse('2026-01-02T00:00:00.000Z');
    const d = deps(store, publisher, { now: () => t });
    const vals = steadyValues(81, 80);
    await feed(d, vals.slice(0, 80));
    publisher.failAll = true;
    // Act
    const first = processWindow(windowAt(80, vals[80] as number), d);
    await expect(first).rejects.toBeInstanceOf(PublishError);
    const pending = [...store.items.values()][0]?.outbox ?? [];
    publisher.failAll = false;
    t += 60_000; // Lambda's retry comes later than the outbox lease
    const counters = emptyCounters();
    const replay = await processWindow(windowAt(80, vals[80] as number), d, counters);
    // Assess
    expect(pending).toHaveLength(1);
    expect(replay.kind).toBe('skip');
    expect(publisher.published.map((e) => e.id)).toEqual([pending[0]?.id]);
    expect(counters.published).toBe(1);
    expect([...store.items.values()][0]?.outbox).toEqual([]);
  });

  it('re-reads and re-applies after a conditional-write conflict, bounded', async () => {
    // Prepare
    const store = new MemoryStore();
    const publisher = new RecordingPublisher();
    const d = deps(store, publisher);
    await feed(d, [50, 51]);
    let interfere = 1;
    store.beforePut = async (item) => {
      if (interfere-- > 0) {
        // Another invocation scores window 2 first.
        const other = structuredClone(store.items.get(item.series));
        if (other)
          store.items.set(item.series, {
            ...other,
            version: other.version + 1,
            lastWindowStart: windowAt(2, 0).data.windowStart,
            points: other.points + 1,
          });
      }
    };
    const counters = emptyCounters();
    // Act
    const out = await processWindow(windowAt(2, 52), d, counters);
    // Assess
    expect(counters.conflicts).toBe(1);
    expect(out).toMatchObject({ kind: 'skip', reason: 'duplicate' });
    expect([...store.items.values()][0]?.points).toBe(3);
  });

  it('fails with StateConflictError when conflicts never settle', async () => {
    // Prepare
    const store = new MemoryStore();
    const d = deps(store, new RecordingPublisher(), { maxConflictRetries: 2 });
    store.put = async () => false;
    // Act / Assess
    await expect(processWindow(windowAt(0, 1), d)).rejects.toBeInstanceOf(StateConflictError);
  });

  it('leaves a fresh outbox entry to its committer and publishes it once its lease expired', async () => {
    // Prepare
    const store = new MemoryStore();
    const publisher = new RecordingPublisher();
    let t = Date.parse('2026-01-02T00:00:00.000Z');
    const d = deps(store, publisher, {
      now: () => t,
      sleep: async (ms) => {
        t += ms;
      },
    });
    const vals = steadyValues(81, 80);
    await feed(d, vals.slice(0, 80));
    publisher.failAll = true; // the committer "crashes" before publishing
    await expect(processWindow(windowAt(80, 500), d)).rejects.toBeInstanceOf(PublishError);
    publisher.failAll = false;
    const startedAt = t;
    // Act: a concurrent redelivery right away waits for the lease, then publishes.
    await processWindow(windowAt(80, 500), { ...d, now: () => t });
    // Assess
    expect(publisher.published).toHaveLength(1);
    expect(t - startedAt).toBeGreaterThanOrEqual(10_000);
  });
});
