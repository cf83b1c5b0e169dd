import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { describe, expect, it } from '@jest/globals';
import type { WireRecord } from '../../src/esm/reader.js';
import type { ShardSource, StartPosition } from '../../src/esm/source.js';
import { AggregatesTap, lagBound, WindowLagTracker } from '../../src/lag.js';
import {
  formatThroughput,
  lagReason,
  sustainedPhase,
  throughputVerdict,
} from '../../src/throughput.js';

describe('end-to-end lag', () => {
  it('measures each event from its production to the first aggregate of its window', () => {
    // Prepare
    const lag = new WindowLagTracker(10_000);
    const events = [
      { eventTimeMs: 100_000, sentAtMs: 1_000 },
      { eventTimeMs: 109_999, sentAtMs: 9_000 },
      { eventTimeMs: 110_000, sentAtMs: 10_000 },
      { eventTimeMs: 125_000, sentAtMs: 25_000 },
    ];
    for (const e of events) lag.produced(e.eventTimeMs, e.sentAtMs);
    // Act
    lag.stored(100_000, 16_000);
    lag.stored(100_000, 20_000); // a later aggregate of the same window does not count
    lag.stored(110_000, 27_000);
    const summary = lag.summarize(events, 16_000);
    // Assess
    expect(lag.latestWindowLagMs()).toBe(17_000);
    expect(summary).toMatchObject({
      windowsStored: 2,
      eventsMeasured: 3,
      p50Ms: 15_000,
      maxMs: 17_000,
      withinBound: false,
    });
  });

  it('names the mapping whose iterator age grew and every criterion that failed', () => {
    // Prepare
    const lag = {
      windowsStored: 3,
      eventsMeasured: 100,
      p50Ms: 9_000,
      p99Ms: 12_000,
      maxMs: 13_000,
      boundMs: 20_000,
      withinBound: true,
    };
    const mapping = (fn: string, age: number) => ({
      function: fn,
      batchWindowSeconds: 5,
      maxIteratorAgeMs: age,
      busyMs: 1_000,
      recordsProcessed: 500,
    });
    // Act
    const good = throughputVerdict({
      requestedRate: 100,
      produced: 1_000,
      producedSeconds: 10,
      drainSeconds: 3,
      lag,
      mappings: [mapping('a', 2_000), mapping('b', 14_000)],
    });
    const bad = throughputVerdict({
      requestedRate: 200,
      produced: 1_000,
      producedSeconds: 10,
      drainSeconds: 3,
      lag: { ...lag, withinBound: false, maxMs: 30_000 },
      mappings: [mapping('a', 2_000), mapping('b', 16_000)],
    });
    // Assess
    expect(good.keptUp).toBe(true);
    expect(good.slowest).toEqual({ function: 'b', maxIteratorAgeMs: 14_000 });
    expect(good.mappings[0]?.recordsPerBusySecond).toBe(500);
    expect(bad.keptUp).toBe(false);
    expect(bad.reasons).toHaveLength(3);
    expect(bad.reasons.join('\n')).toMatch(
      /100\/s of the 200\/s[\s\S]*b: iterator age[\s\S]*lag max 30\.0 s/,
    );
  });
});

describe('a run too short to store a window', () => {
  it('is not judged, neither kept up nor behind, when every measured criterion held', () => {
    // Prepare: a 10 s run at the requested rate, iterator ages within their limits, no window
    // stored yet (60 s windows), so the end-to-end lag was never measured
    const unmeasured = {
      windowsStored: 0,
      eventsMeasured: 0,
      p50Ms: 0,
      p99Ms: 0,
      maxMs: 0,
      boundMs: 95_000,
      withinBound: true,
    };
    const mapping = {
      function: 'a',
      batchWindowSeconds: 5,
      maxIteratorAgeMs: 1_000,
      busyMs: 500,
      recordsProcessed: 100,
    };
    // Act
    const healthy = throughputVerdict({
      requestedRate: 100,
      produced: 1_000,
      producedSeconds: 10,
      drainSeconds: 1,
      lag: unmeasured,
      mappings: [mapping],
    });
    const slow = throughputVerdict({
      requestedRate: 100,
      produced: 1_000,
      producedSeconds: 10,
      drainSeconds: 1,
      lag: unmeasured,
      mappings: [{ ...mapping, maxIteratorAgeMs: 40_000 }],
    });
    // Assess
    expect(healthy.verdict).toBe('not judged');
    expect(healthy.keptUp).toBe(false);
    expect(formatThroughput(healthy)).toMatch(/^throughput: NOT JUDGED at 100\/s/);
    expect(formatThroughput(healthy)).not.toContain('FELL BEHIND');
    expect(healthy.reasons).toEqual([
      'no window stored during the run: end-to-end lag not measured',
    ]);
    expect(slow.verdict).toBe('fell behind');
    expect(formatThroughput(slow)).toMatch(/FELL BEHIND[\s\S]*a: iterator age reached 40\.0 s/);
  });
});

describe('sustained phase after a ramp', () => {
  it('counts only what was sent after the ramp, invalid records in proportion', () => {
    // Prepare: started at t=0, 10 s ramp, 30 s of produce; 100 valid events sent before 10 s,
    // 400 after; 50 invalid records (10 % of everything).
    const sentAtMs = [
      ...Array.from({ length: 100 }, (_, i) => i * 99),
      ...Array.from({ length: 400 }, (_, i) => 10_000 + i * 50),
    ];
    // Act
    const ramped = sustainedPhase({
      sentAtMs,
      valid: 500,
      invalid: 50,
      startedAtMs: 0,
      producedSeconds: 30,
      rampSeconds: 10,
    });
    const plain = sustainedPhase({
      sentAtMs,
      valid: 500,
      invalid: 50,
      startedAtMs: 0,
      producedSeconds: 30,
      rampSeconds: 0,
    });
    // Assess
    expect(ramped).toEqual({ produced: 440, seconds: 20 });
    expect(plain).toEqual({ produced: 550, seconds: 30 });
  });

  it('judges the sustained rate and says the run ramped', () => {
    const lag = {
      windowsStored: 2,
      eventsMeasured: 400,
      p50Ms: 9_000,
      p99Ms: 12_000,
      maxMs: 13_000,
      boundMs: 20_000,
      withinBound: true,
    };
    const verdict = throughputVerdict({
      requestedRate: 20,
      rampSeconds: 10,
      produced: 440,
      producedSeconds: 20,
      drainSeconds: 1,
      lag,
      mappings: [],
    });
    expect(verdict.achievedRate).toBe(22);
    expect(verdict.rampSeconds).toBe(10);
    expect(verdict.keptUp).toBe(true);
    expect(formatThroughput(verdict)).toMatch(/requested 20\/s after a 10 s ramp/);
  });
});

describe('throughput report of the shard reads', () => {
  it('carries the shared source counters and the refused reads into the verdict and prints them', () => {
    // Prepare
    const kinesisReads = {
      sharedFetches: 40,
      recordsFetched: 9_000,
      recordsServed: 36_000,
      directReads: 3,
      joins: 1,
      fallbacks: 1,
    };
    // Act
    const verdict = throughputVerdict({
      requestedRate: 100,
      produced: 9_000,
      producedSeconds: 90,
      drainSeconds: 1,
      kinesisReads,
      readThrottles: 7,
      lag: {
        windowsStored: 1,
        eventsMeasured: 1,
        p50Ms: 1,
        p99Ms: 1,
        maxMs: 1,
        boundMs: 10,
        withinBound: true,
      },
      mappings: [],
    });
    kinesisReads.sharedFetches = 99; // the verdict keeps the counts it was given
    const text = formatThroughput(verdict);
    // Assess
    expect(verdict.kinesisReads?.sharedFetches).toBe(40);
    expect(text).toContain(
      "kinesis reads: 40 shared GetRecords fetched 9000 records, served 36000 to the readers; 3 reads on a reader's own iterator (1 fell behind the buffer, 1 moved back onto it); 7 reads refused past Kinesis' read limits",
    );
    expect(verdict.readThrottles).toBe(7);
  });
});

describe('aggregates tap on a shard source', () => {
  it('reports the arrival of each window read through the source, on every shard, ignoring other records', async () => {
    // Prepare
    const window = (start: string) =>
      Buffer.from(
        JSON.stringify({ type: 'metrics.window', data: { windowStart: start } }),
      ).toString('base64');
    const pages: Record<string, WireRecord[]> = {
      'shardId-a': [
        {
          sequenceNumber: '1',
          partitionKey: 'k',
          data: window('2026-01-01T00:00:10.000Z'),
          arrivalMs: 5_000,
        },
        {
          sequenceNumber: '2',
          partitionKey: 'k',
          data: Buffer.from('not json').toString('base64'),
          arrivalMs: 5_500,
        },
      ],
      'shardId-b': [
        {
          sequenceNumber: '3',
          partitionKey: 'k',
          data: window('2026-01-01T00:00:20.000Z'),
          arrivalMs: 7_000,
        },
      ],
    };
    const opened: { shardId: string; start: StartPosition }[] = [];
    const source: ShardSource = {
      async open(_stream, shardId, start) {
        opened.push({ shardId, start });
        return {
          async read() {
            const records = pages[shardId] ?? [];
            pages[shardId] = [];
            return { records, closed: false, millisBehindLatest: 0 };
          },
          close() {},
        };
      },
    };
    const kinesis = {
      send: async () => ({ Shards: [{ ShardId: 'shardId-a' }, { ShardId: 'shardId-b' }] }),
    } as unknown as KinesisClient;
    const tracker = new WindowLagTracker(10_000);
    const tap = new AggregatesTap(kinesis, 'aggregates', tracker, 5, source);
    // Act
    await tap.start();
    await tap.stop();
    // Assess
    expect(opened).toEqual([
      { shardId: 'shardId-a', start: { type: 'TRIM_HORIZON' } },
      { shardId: 'shardId-b', start: { type: 'TRIM_HORIZON' } },
    ]);
    expect([...tracker.storedAt]).toEqual([
      [Date.parse('2026-01-01T00:00:10.000Z'), 5_000],
      [Date.parse('2026-01-01T00:00:20.000Z'), 7_000],
    ]);
  });
});

describe('the lag bound the configuration implies', () => {
  const bound = lagBound({
    windowSeconds: 10,
    latenessSeconds: 5,
    timeScale: 1,
    aggregatorBatchWindowSeconds: 5,
    pollIntervalMs: 250,
    tapIntervalMs: 250,
    producerLingerMs: 50,
  });

  it('adds the close stage (window + lateness in wall time) and every delivery step', () => {
    // Assess
    expect(bound).toEqual({
      closeMs: 15_000,
      deliveryMs: 10_550,
      totalMs: 25_550,
      delivery: {
        'producer linger': 50,
        'events poll': 250,
        'aggregator batching window': 5000,
        processing: 5000,
        'aggregates poll': 250,
      },
    });
    // Event time 20× faster: the close stage shrinks, delivery does not.
    expect(
      lagBound({
        windowSeconds: 10,
        latenessSeconds: 20,
        timeScale: 20,
        aggregatorBatchWindowSeconds: 0,
        pollIntervalMs: 250,
        tapIntervalMs: 250,
        producerLingerMs: 50,
      }).totalMs,
    ).toBe(1500 + 5550);
  });

  it('holds a healthy run with a 20.4 s lag (10 s windows, 5 s lateness, 5 s batching) within it', () => {
    // Prepare: one event at the window start, the closing event 15 s later, stored 5.4 s after.
    const lag = new WindowLagTracker(10_000);
    const events = [
      { eventTimeMs: 100_000, sentAtMs: 100_000 },
      { eventTimeMs: 115_000, sentAtMs: 115_000 },
    ];
    lag.stored(100_000, 120_400);
    // Act
    const summary = lag.summarize(events, bound, 5000);
    // Assess
    expect(summary).toMatchObject({ maxMs: 20_400, boundMs: 25_550, withinBound: true });
    expect(summary.worst).toEqual({
      windowStartMs: 100_000,
      lagMs: 20_400,
      closeWaitMs: 15_000,
      afterCloseMs: 5400,
    });
  });

  it('names the pipeline when the window was stored late after its closing event', () => {
    // Prepare: closed on time (15 s), stored 14 s after that (allowed 10.55 s).
    const lag = new WindowLagTracker(10_000);
    const events = [
      { eventTimeMs: 100_000, sentAtMs: 100_000 },
      { eventTimeMs: 115_000, sentAtMs: 115_000 },
    ];
    lag.stored(100_000, 129_000);
    // Act
    const reason = lagReason(lag.summarize(events, bound, 5000));
    // Assess
    expect(reason).toMatch(/^end-to-end lag max 29\.0 s over the 25\.6 s bound/);
    expect(reason).toContain(
      '15.0 s until an event closing its window was produced (allowed 15.0 s)',
    );
    expect(reason).toContain('14.0 s from then to the stored window (allowed 10.6 s');
    expect(reason).toMatch(/the pipeline after the close .* used the time$/);
  });

  it('names the feed when the event that closes the window came late', () => {
    // Prepare: the closing event was produced 25 s after the window's first event.
    const lag = new WindowLagTracker(10_000);
    const events = [
      { eventTimeMs: 100_000, sentAtMs: 100_000 },
      { eventTimeMs: 115_000, sentAtMs: 125_000 },
    ];
    lag.stored(100_000, 127_000);
    // Act
    const reason = lagReason(lag.summarize(events, bound, 5000));
    // Assess
    expect(reason).toContain('25.0 s until an event closing its window was produced');
    expect(reason).toMatch(/the feed used the time/);
  });

  it('counts the whole lag as waiting for the close when no closing event was produced', () => {
    // Prepare: the window was emitted by the drain or the idle rule.
    const lag = new WindowLagTracker(10_000);
    const events = [{ eventTimeMs: 100_000, sentAtMs: 100_000 }];
    lag.stored(100_000, 170_000);
    // Act
    const summary = lag.summarize(events, bound, 5000);
    // Assess
    expect(summary.worst).toMatchObject({ closeWaitMs: 70_000, afterCloseMs: 0 });
  });
});
