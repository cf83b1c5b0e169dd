import { describe, expect, it } from 'vitest';
import { WindowLagTracker } from '../../src/lag.js';
import { throughputVerdict } from '../../src/throughput.js';

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
