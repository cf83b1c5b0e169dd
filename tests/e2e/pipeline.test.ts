// End to end: `pnpm start` for a short run, as a newcomer runs it, then its reconciliation.
// The pipeline starts its own stand-ins (the integration global setup's are not used).
import { describe, expect, it } from '@jest/globals';
import { COMPRESSED, checkOf, start, statusOf } from './start.js';

describe('pnpm start (local pipeline, end to end)', () => {
  it('accounts for every produced event in every wired sink and alerts on injected anomalies', async () => {
    // Act
    const { code, summary, stdout } = await start([
      '--rate',
      '150',
      '--duration',
      '25',
      '--seed',
      '3',
      ...COMPRESSED,
    ]);
    // Assess
    expect(code).toBe(0);
    expect(summary.ok).toBe(true);
    expect(summary.produced.valid).toBeGreaterThan(1_500);
    expect(summary.produced.rejected).toBe(0);
    expect(summary.produced.anomalies).toBeGreaterThan(0);
    expect(statusOf(summary, 'lake: every valid')).toBe('ok');
    expect(statusOf(summary, 'lake: every invalid')).toBe('ok');
    expect(statusOf(summary, 'events table')).toBe('ok');
    expect(statusOf(summary, 'windows')).toBe('ok');
    expect(statusOf(summary, 'warehouse: events')).toBe('ok');
    expect(statusOf(summary, 'warehouse: metrics_windows')).toBe('ok');
    expect(statusOf(summary, 'warehouse: every lake object')).toBe('ok');
    expect(summary.checks.every((c) => c.status !== 'failed')).toBe(true);
    // The detector found injected anomalies end to end, and the run reported its alert quality
    // per kind against the target (a measurement of the detector, not a data check).
    expect(summary.alertQuality?.found).toBeGreaterThan(0);
    expect(summary.alertQuality?.byKind.length).toBeGreaterThan(0);
    expect(stdout).toMatch(
      /alert quality: (MEETS|BELOW) TARGET .*\n {2}\d+ injected: [1-9]\d* found/,
    );
    expect(summary.throughput.lag.windowsStored).toBeGreaterThan(10);
    expect(summary.throughput.lag.eventsMeasured).toBeGreaterThan(1_000);
    expect(stdout).toContain('reconciliation: OK');
    // The indexer's table lives on dynalite, as its serverless.yml asks (custom.localPipeline).
    expect(summary.run.dynaliteTables).toEqual(['streamlens-local-events']);
    // DynamoDB is not metered unless asked (--capacity): the meter costs harness CPU.
    expect(summary.capacity).toBeUndefined();
    // CPU per 1,000 events from the kernel's accounting: every stand-in process and the
    // harness's threads are found, the threads are a part of the harness, the total is the sum.
    const cpu = summary.cpu;
    const row = (name: string) => cpu?.rows.find((r) => r.name === name);
    expect(cpu?.events).toBe(summary.produced.valid + summary.produced.invalid);
    for (const name of [
      'harness',
      'kinesalite',
      'DynamoDB Local',
      'dynalite',
      'OpenSearch',
      'PostgreSQL',
    ]) {
      expect(row(name)?.cpuSeconds).toBeGreaterThan(0);
    }
    expect(
      row('harness: λ streamlens-stream-aggregator-local-aggregate')?.cpuSeconds,
    ).toBeGreaterThan(0);
    expect(row('harness: feed worker')?.cpuSeconds).toBeGreaterThan(0);
    const threads = cpu?.rows.filter((r) => r.name.startsWith('harness:')) ?? [];
    const threadSum = threads.reduce((sum, r) => sum + r.cpuSeconds, 0);
    // Each thread's ticks are rounded on their own: within a tick or two of the process's.
    expect(threadSum).toBeCloseTo(row('harness')?.cpuSeconds ?? -1, 1);
    const processSum = (cpu?.rows ?? [])
      .filter((r) => !r.name.startsWith('harness:'))
      .reduce((sum, r) => sum + r.cpuSeconds, 0);
    expect(cpu?.total.cpuSeconds).toBeCloseTo(processSum, 5);
    expect(cpu?.total.perThousandEvents).toBeCloseTo(
      ((cpu?.total.cpuSeconds ?? 0) * 1000) / (cpu?.events ?? 1),
      5,
    );
    expect(stdout).toMatch(/cpu \(kernel accounting, produce \+ drain: \d+ events/);
  }, 420_000);

  it('still reconciles exactly under chaos (crashes before responding, redeliveries, sink throttling) and producer re-sends', async () => {
    // Act: every 10th event is also sent a second time under another partition key (a new
    // sequence number, often another shard): the windows, the index and the warehouse must still
    // count it once.
    const { code, summary } = await start([
      '--rate',
      '150',
      '--duration',
      '20',
      '--seed',
      '4',
      '--chaos',
      '--resend',
      '10',
      ...COMPRESSED,
      // No injected anomalies: this run is about exact reconciliation under faults.
      '--anomaly-every',
      '0',
    ]);
    // Assess
    expect(summary.chaos.crashes + summary.chaos.redeliveries).toBeGreaterThan(0);
    expect(summary.chaos.sinkFaults).toBeGreaterThan(0);
    expect(summary.produced.resent).toBeGreaterThan(100);
    expect(code).toBe(0);
    expect(summary.ok).toBe(true);
    expect(statusOf(summary, 'lake: every valid')).toBe('ok');
    expect(statusOf(summary, 'events table')).toBe('ok');
    expect(statusOf(summary, 'windows')).toBe('ok');
    expect(statusOf(summary, 'warehouse: events')).toBe('ok');
    expect(statusOf(summary, 'warehouse: metrics_windows')).toBe('ok');
  }, 420_000);

  it('keeps every table on DynamoDB Local with --single-dynamodb', async () => {
    // Act
    const { code, summary } = await start([
      '--rate',
      '100',
      '--duration',
      '8',
      '--seed',
      '5',
      '--anomaly-every',
      '0',
      '--single-dynamodb',
      '--capacity',
    ]);
    // Assess
    expect(code).toBe(0);
    expect(summary.run.dynaliteTables).toEqual([]);
    // --capacity: write units per 1,000 events for the services that wrote in these 8 s (the
    // indexer per event, the aggregator per batch; no window is scored this early).
    const metered = (summary.capacity ?? []).filter((c) => c.writeUnitsPer1000Events > 0);
    expect(metered.map((c) => c.service)).toEqual(
      expect.arrayContaining(['streamlens-dynamodb-indexer', 'streamlens-stream-aggregator']),
    );
    expect(statusOf(summary, 'events table')).toBe('ok');
    expect(checkOf(summary, 'events table')?.actual).toBeGreaterThan(500);
  }, 300_000);
});
