import { describe, expect, it } from '@jest/globals';
import { type MetricsWindow, seriesKey } from '@streamlens/schema';
import { DEFAULT_ALERTING_CONFIG } from '../../src/alerting/episode.js';
import { processWindowBatch } from '../../src/batch.js';
import { DEFAULT_DETECTOR_CONFIG } from '../../src/detector/index.js';
import { emptyCounters, type ProcessorDeps } from '../../src/processor.js';
import {
  kinesisEventOf,
  MemoryStore,
  RecordingPublisher,
  steadyValues,
  windowAt,
} from '../helpers/windows.js';

// A declarative query's windows (the stream-aggregator's query file) on the aggregates stream:
// `metrics.window` events with the optional query fields and a series derived from the query's
// name and group. anomaly-alerts scores them as any series and skips retractions.
const NOW = Date.parse('2026-01-02T00:00:00.000Z');
const group = { 'dimensions.region': 'eu-west-1' };
const SERIES = seriesKey('query:p95-by-region', group);

function queryWindow(i: number, value: number, revision = 0, retracted = false): MetricsWindow {
  const w = windowAt(i, value, { metric: 'p95-by-region', dimensions: group }, revision);
  const id = `${SERIES}|${w.data.windowStart}|r${revision}`;
  return {
    ...w,
    id,
    subject: SERIES,
    data: {
      ...w.data,
      series: SERIES,
      query: 'p95-by-region',
      group,
      aggregates: { p95: value, hosts: 12 },
      top: { top_host: [{ value: 'web-1', count: 4 }] },
      ...(retracted ? { retracted: true } : {}),
    },
  };
}

function deps(store: MemoryStore, publisher: RecordingPublisher): ProcessorDeps {
  return {
    store,
    publisher,
    detector: DEFAULT_DETECTOR_CONFIG,
    alerting: DEFAULT_ALERTING_CONFIG,
    maxConflictRetries: 3,
    outboxLeaseMs: 10_000,
    now: () => NOW,
    sleep: async () => {},
  };
}

describe('anomaly-alerts with query windows', () => {
  it('scores a query group as a series and alerts on its spike', async () => {
    // Prepare
    const windows = steadyValues(90, 75).map((v, i) => queryWindow(i, v));
    const store = new MemoryStore();
    const publisher = new RecordingPublisher();
    const counters = emptyCounters();
    // Act
    const res = await processWindowBatch(kinesisEventOf(windows), deps(store, publisher), counters);
    // Assess
    expect(res.batchItemFailures).toEqual([]);
    expect(counters.skipped).toEqual({});
    expect([...store.items.keys()]).toEqual([SERIES]);
    const alerts = publisher.published.map((e) => JSON.parse(e.message).data);
    expect(alerts.filter((a) => a.status === 'open')).toMatchObject([
      { series: SERIES, windowStart: windows[75]!.data.windowStart },
    ]);
  });

  it('skips a retracted window and leaves the series as it was', async () => {
    // Prepare
    const store = new MemoryStore();
    const publisher = new RecordingPublisher();
    const before = steadyValues(10).map((v, i) => queryWindow(i, v));
    await processWindowBatch(kinesisEventOf(before), deps(store, publisher), emptyCounters());
    const item = structuredClone(store.items.get(SERIES));
    const counters = emptyCounters();
    // Act
    const res = await processWindowBatch(
      kinesisEventOf([queryWindow(9, 0, 1, true)], 2000),
      deps(store, publisher),
      counters,
    );
    // Assess
    expect(res.batchItemFailures).toEqual([]);
    expect(counters.skipped).toEqual({ retracted: 1 });
    expect(store.items.get(SERIES)).toEqual(item);
  });
});
