// End to end from Kafka: `pnpm start --ingest kafka`, the events on a topic of the local broker,
// read by the emulation of Lambda's Kafka event source mapping; the same reconciliation as the
// Kinesis run (tests/e2e/pipeline.test.ts) for every sink the topic feeds.
import { describe, expect, it } from '@jest/globals';
import { COMPRESSED, start, statusOf } from './start.js';

describe('pnpm start --ingest kafka (end to end)', () => {
  it('accounts for every event once in the table, the windows and the index under chaos and re-sends, and alerts', async () => {
    // Act: handler crashes fail whole Kafka batches, which the mapping retries from the
    // uncommitted offsets; every 10th event is also sent a second time under another key.
    const { code, summary, stdout } = await start([
      '--ingest',
      'kafka',
      '--rate',
      '150',
      '--duration',
      '25',
      '--seed',
      '3',
      '--chaos',
      '--resend',
      '10',
      ...COMPRESSED,
    ]);

    // Assess
    expect(code).toBe(0);
    expect(summary.ok).toBe(true);
    expect(stdout).toContain('reconciliation: OK');
    expect(summary.produced.valid).toBeGreaterThan(1_500);
    expect(summary.produced.rejected).toBe(0);
    expect(summary.produced.resent).toBeGreaterThan(100);
    expect(statusOf(summary, 'events table')).toBe('ok');
    expect(statusOf(summary, 'windows')).toBe('ok');
    expect(statusOf(summary, 'search index')).toBe('ok');
    expect(summary.checks.every((c) => c.status !== 'failed')).toBe(true);
    // The three consumers of the events read the topic, and failed batches were retried.
    const kafkaReaders = summary.functions.filter((f) =>
      f.mappings.some((m) => m.stream === 'streamlens-local-events'),
    );
    expect(kafkaReaders.map((f) => f.name).sort()).toEqual([
      'streamlens-dynamodb-indexer-local-index',
      'streamlens-opensearch-indexer-local-index',
      'streamlens-stream-aggregator-local-aggregate',
    ]);
    expect(summary.chaos.crashes).toBeGreaterThan(0);
    const retries = kafkaReaders.flatMap((f) => f.mappings).reduce((n, m) => n + m.retries, 0);
    expect(retries).toBeGreaterThan(0);
    // The lake's Firehose reads the Kinesis stream only: it and the warehouse are left out, said so.
    expect(statusOf(summary, 'lake')).toBe('skipped');
    expect(statusOf(summary, 'warehouse')).toBe('skipped');
    expect(summary.notWired).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^firehose from streamlens-local-events: with --ingest kafka/),
      ]),
    );
    // Aggregates flow on to the detector: windows stored and anomalies found.
    expect(summary.throughput.lag.windowsStored).toBeGreaterThan(10);
    expect(summary.alertQuality?.found).toBeGreaterThan(0);
  }, 420_000);
});
