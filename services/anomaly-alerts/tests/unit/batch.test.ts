import { describe, expect, it } from '@jest/globals';
import { processKinesisBatch } from '@streamlens/lambda-kit/kinesis';
import type { MetricsWindow } from '@streamlens/schema';
import { DEFAULT_ALERTING_CONFIG } from '../../src/alerting/episode.js';
import { processWindowBatch } from '../../src/batch.js';
import { DEFAULT_DETECTOR_CONFIG } from '../../src/detector/index.js';
import { emptyCounters, type ProcessorDeps } from '../../src/processor.js';
import type { SeriesItem } from '../../src/scoring.js';
import { createRecordHandler } from '../helpers/record-handler.js';
import {
  kinesisEventOf,
  MemoryStore,
  RecordingPublisher,
  steadyValues,
  windowAt,
} from '../helpers/windows.js';

/** MemoryStore with BatchGetItem, counting reads, optionally slow writes (to see overlap). */
class BatchStore extends MemoryStore {
  gets = 0;
  getManys = 0;
  inFlight = 0;
  maxInFlight = 0;
  putDelayMs = 0;
  failGetMany = false;

  override async get(series: string) {
    this.gets += 1;
    return super.get(series);
  }

  async getMany(series: readonly string[]) {
    this.getManys += 1;
    if (this.failGetMany) throw new Error('BatchGetItem unavailable');
    const out = new Map<string, SeriesItem>();
    for (const s of series) {
      const item = this.items.get(s);
      if (item) out.set(s, structuredClone(item));
    }
    return out;
  }

  override async put(item: SeriesItem, expectedVersion: number) {
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      if (this.putDelayMs > 0) await new Promise((r) => setTimeout(r, this.putDelayMs));
      return await super.put(item, expectedVersion);
    } finally {
      this.inFlight -= 1;
    }
  }
}

const NOW = Date.parse('2026-01-02T00:00:00.000Z');

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
    now: () => NOW,
    sleep: async () => {},
    ...extra,
  };
}

/** Windows 0..n-1 of `hosts`, interleaved window by window (as the aggregator emits them). */
function interleaved(hosts: readonly string[], n: number, spikes: Record<string, number> = {}) {
  const out: MetricsWindow[] = [];
  const vals = Object.fromEntries(hosts.map((h) => [h, steadyValues(n, spikes[h])]));
  for (let i = 0; i < n; i++)
    for (const host of hosts)
      out.push(windowAt(i, vals[host]?.[i] as number, { dimensions: { host } }));
  return out;
}

function chunks<T>(xs: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += size) out.push(xs.slice(i, i + size));
  return out;
}

const hosts = ['a', 'b', 'c', 'd', 'e'];

describe('processWindowBatch', () => {
  it('gives the same items and alerts as record-by-record processing, with one BatchGetItem per batch and no GetItem', async () => {
    // Prepare
    const windows = interleaved(hosts, 90, { b: 70, d: 75 });
    const seqStore = new MemoryStore();
    const seqPub = new RecordingPublisher();
    const batchStore = new BatchStore();
    const batchPub = new RecordingPublisher();
    // Act
    for (const [k, batch] of chunks(windows, 100).entries()) {
      await processKinesisBatch(
        kinesisEventOf(batch, 1000 + k * 100),
        createRecordHandler(deps(seqStore, seqPub), emptyCounters()),
      );
      const res = await processWindowBatch(
        kinesisEventOf(batch, 1000 + k * 100),
        deps(batchStore, batchPub),
        emptyCounters(),
        { concurrency: 3 },
      );
      expect(res.batchItemFailures).toEqual([]);
    }
    // Assess
    expect(batchStore.items).toEqual(seqStore.items);
    expect(batchPub.published.map((e) => e.id).sort()).toEqual(
      seqPub.published.map((e) => e.id).sort(),
    );
    expect(batchPub.published.map((e) => JSON.parse(e.message).data.status).sort()).toEqual([
      'open',
      'open',
      'recovered',
      'recovered',
    ]);
    expect(batchStore.getManys).toBe(Math.ceil(windows.length / 100));
    expect(batchStore.gets).toBe(0); // the outbox removal starts from the committed item too
  });

  it('runs different series concurrently, bounded, and keeps each series in order', async () => {
    // Prepare
    const store = new BatchStore();
    store.putDelayMs = 5;
    const windows = interleaved(['a', 'b', 'c', 'd', 'e', 'f'], 8);
    // Act
    const res = await processWindowBatch(
      kinesisEventOf(windows),
      deps(store, new RecordingPublisher()),
      emptyCounters(),
      { concurrency: 4 },
    );
    // Assess
    expect(res.batchItemFailures).toEqual([]);
    expect(store.maxInFlight).toBe(4);
    for (const item of store.items.values()) {
      expect(item.points).toBe(8);
      expect(item.lastWindowStart).toBe(windowAt(7, 0).data.windowStart);
    }
  });

  it('reports the shard from the lowest failed record; the other series applied after it are no-ops on redelivery', async () => {
    // Prepare: b spikes at window 70; its alert cannot be published in this invocation.
    const store = new BatchStore();
    const publisher = new RecordingPublisher();
    const windows = interleaved(hosts, 72, { b: 70 });
    const d = deps(store, publisher, { outboxLeaseMs: 0 });
    await processWindowBatch(kinesisEventOf(windows.slice(0, 350)), d);
    publisher.failAll = true;
    const last = windows.slice(350); // windows 70 and 71 of every series
    const event = kinesisEventOf(last, 5000);
    // Act
    const res = await processWindowBatch(event, d, emptyCounters(), { concurrency: 5 });
    const versionsAfterFailure = new Map([...store.items].map(([k, v]) => [k, v.version]));
    publisher.failAll = false;
    const failedSeqs = new Set(res.batchItemFailures.map((f) => f.itemIdentifier));
    const redelivery = {
      Records: event.Records.filter((r) => failedSeqs.has(r.kinesis.sequenceNumber)),
    };
    const counters = emptyCounters();
    const res2 = await processWindowBatch(redelivery, d, counters);
    // Assess: b's window 70 is record 1 of the batch: it and everything after it are reported.
    expect(res.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(
      event.Records.slice(1).map((r) => r.kinesis.sequenceNumber),
    );
    expect(res2.batchItemFailures).toEqual([]);
    expect(publisher.published.map((e) => JSON.parse(e.message).data.status)).toEqual(['open']);
    const seriesB = windowAt(0, 0, { dimensions: { host: 'b' } }).data.series;
    for (const [series, item] of store.items) {
      // Series other than b applied both windows in the failed invocation; the redelivery changed nothing.
      if (series !== seriesB) expect(item.version).toBe(versionsAfterFailure.get(series));
      expect(item.points).toBe(72);
      expect(item.outbox).toEqual([]);
    }
    expect(counters.scored).toBe(1); // b's window 71 only (its series stopped at window 70)
  });

  it('reads series one by one when BatchGetItem fails', async () => {
    // Prepare
    const store = new BatchStore();
    store.failGetMany = true;
    const windows = interleaved(hosts, 3);
    // Act
    const res = await processWindowBatch(
      kinesisEventOf(windows),
      deps(store, new RecordingPublisher()),
    );
    // Assess
    expect(res.batchItemFailures).toEqual([]);
    expect(store.gets).toBe(hosts.length);
    expect([...store.items.values()].map((i) => i.points)).toEqual(hosts.map(() => 3));
  });

  it('a series changed by another writer after the batch read is re-read and each window applied once', async () => {
    // Prepare
    const store = new BatchStore();
    const windows = interleaved(['a'], 4);
    const d = deps(store, new RecordingPublisher());
    await processWindowBatch(kinesisEventOf(windows.slice(0, 2)), d);
    let raced = false;
    store.beforePut = async () => {
      if (raced) return;
      raced = true;
      // A concurrent invocation applies window 2 between our batch read and our write.
      const other = new BatchStore();
      other.items.set(...([...store.items][0] as [string, SeriesItem]));
      await processWindowBatch(
        kinesisEventOf(windows.slice(2, 3), 3000),
        deps(other, new RecordingPublisher()),
      );
      store.items.set(...([...other.items][0] as [string, SeriesItem]));
    };
    const counters = emptyCounters();
    // Act
    const res = await processWindowBatch(kinesisEventOf(windows.slice(2), 3000), d, counters);
    // Assess
    expect(res.batchItemFailures).toEqual([]);
    expect(counters.conflicts).toBe(1);
    expect(counters.skipped.duplicate).toBe(1);
    expect(counters.scored).toBe(1);
    expect([...store.items.values()][0]?.points).toBe(4);
  });
});

describe('processWindowBatch near the deadline', () => {
  it('stops starting windows at the deadline and reports the shard from the first one not run; the redelivery finishes the work', async () => {
    // Prepare: the clock moves 1 s per write; the deadline passes after the third write.
    const store = new BatchStore();
    let t = NOW;
    const origPut = store.put.bind(store);
    store.put = async (item, v) => {
      t += 1000;
      return origPut(item, v);
    };
    const windows = interleaved(['a'], 6);
    const event = kinesisEventOf(windows);
    const d = deps(store, new RecordingPublisher(), { now: () => t, deadline: () => NOW + 2500 });
    // Act
    const res = await processWindowBatch(event, d);
    const pointsAfterFirst = [...store.items.values()][0]?.points;
    const failed = new Set(res.batchItemFailures.map((f) => f.itemIdentifier));
    const res2 = await processWindowBatch(
      { Records: event.Records.filter((r) => failed.has(r.kinesis.sequenceNumber)) },
      deps(store, new RecordingPublisher()),
    );
    // Assess
    expect(pointsAfterFirst).toBe(3);
    expect(res.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(
      event.Records.slice(3).map((r) => r.kinesis.sequenceNumber),
    );
    expect(res2.batchItemFailures).toEqual([]);
    expect([...store.items.values()][0]?.points).toBe(6);
  });
});

describe('outbox removal from the committed item', () => {
  it('re-reads and still clears the outbox when another writer changed the series between the commit and the removal', async () => {
    // Prepare: b spikes at window 70; the first removal write meets a concurrent writer.
    const store = new BatchStore();
    const publisher = new RecordingPublisher();
    const windows = interleaved(['b'], 71, { b: 70 });
    const d = deps(store, publisher);
    await processWindowBatch(kinesisEventOf(windows.slice(0, 70)), d);
    let bumped = false;
    store.beforePut = (item) => {
      if (bumped || item.outbox.length > 0) return; // only the removal write (outbox emptied)
      bumped = true;
      const current = store.items.get(item.series) as SeriesItem;
      store.items.set(item.series, { ...current, version: current.version + 1 });
    };
    const counters = emptyCounters();
    // Act
    const res = await processWindowBatch(kinesisEventOf(windows.slice(70), 9000), d, counters);
    // Assess
    expect(res.batchItemFailures).toEqual([]);
    expect(bumped).toBe(true);
    expect(counters.conflicts).toBe(1);
    expect(store.gets).toBe(1);
    expect(publisher.published.map((e) => JSON.parse(e.message).data.status)).toEqual(['open']);
    expect([...store.items.values()][0]?.outbox).toEqual([]);
  });
});

describe('processWindowBatch metrics', () => {
  it('emits the Kinesis record metrics of processKinesisBatch', async () => {
    // Prepare: b's spike alert cannot be published, so b's window 70 and every later record fail.
    const store = new BatchStore();
    const publisher = new RecordingPublisher();
    const windows = interleaved(['a', 'b'], 72, { b: 70 });
    const d = deps(store, publisher);
    await processWindowBatch(kinesisEventOf(windows.slice(0, 140)), d);
    publisher.failAll = true;
    const event = kinesisEventOf(windows.slice(140), 7000);
    event.Records.push({
      ...(event.Records[0] as (typeof event.Records)[number]),
      kinesis: {
        ...(event.Records[0]?.kinesis as (typeof event.Records)[number]['kinesis']),
        sequenceNumber: '00000000000000009999',
        data: Buffer.from('not json').toString('base64'),
      },
    });
    const metrics: Record<string, number> = {};
    // Act
    await processWindowBatch(event, d, emptyCounters(), {
      metrics: {
        addMetric: (name: string, _unit: unknown, value: number) => {
          metrics[name] = value;
        },
      } as never,
      concurrency: 1,
    });
    // Assess: a70 checkpointed; b70 failed; a71 (ran), b71 (not run) and the invalid record are
    // reported after it without failing themselves.
    expect(metrics).toEqual({
      KinesisRecordsProcessed: 1,
      KinesisRecordsFailed: 1,
      KinesisRecordsDecodeFailed: 0,
      KinesisRecordsNotAttempted: 3,
    });
  });
});
