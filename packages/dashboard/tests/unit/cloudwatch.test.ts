import type { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { describe, expect, it } from '@jest/globals';
import {
  countersFromMetrics,
  metricQueries,
  metricRange,
  type StageFunction,
  StageMetricsReader,
} from '../../src/cloudwatch.js';
import { SourceUnavailableError } from '../../src/problems.js';

const detect: StageFunction = {
  service: 'anomaly-alerts',
  key: 'detect',
  functionName: 'streamlens-anomaly-alerts-prod-detect',
  source: 'aggregates',
  kind: 'function',
  streamConsumer: true,
  onFailureQueue: 'streamlens-prod-anomaly-alerts-failures',
};
const load: StageFunction = {
  service: 'warehouse-loader',
  key: 'load',
  functionName: 'streamlens-warehouse-loader-prod-load',
  source: 'sqs streamlens-prod-warehouse-loader',
  kind: 'queue',
  streamConsumer: false,
  deadLetterQueue: 'streamlens-prod-warehouse-loader-dlq',
};
const aggregate: StageFunction = {
  service: 'stream-aggregator',
  key: 'aggregate',
  functionName: 'streamlens-stream-aggregator-prod-aggregate',
  source: 'events',
  kind: 'function',
  streamConsumer: true,
  onFailureQueue: 'streamlens-prod-aggregator-failures',
};

const END = Date.parse('2026-12-08T01:00:00.000Z');
const minutesBefore = (n: number) => new Date(END - n * 60_000);

describe('metricQueries', () => {
  it('asks for the metrics the services emit and the alarms read, by function and queue', () => {
    // Act
    const queries = metricQueries([aggregate, load]);
    const byId = new Map(queries.map((q) => [q.Id, q]));

    // Assert: one EMF counter → a plain metric; several → their sum in metric math.
    expect(byId.get('f0_in')?.MetricStat).toEqual({
      Metric: {
        Namespace: 'streamlens',
        MetricName: 'RecordsReceived',
        Dimensions: [{ Name: 'service', Value: 'stream-aggregator' }],
      },
      Period: 60,
      Stat: 'Sum',
    });
    expect(byId.get('f0_out')?.MetricStat?.Metric?.MetricName).toBe('RecordsApplied');
    expect(byId.get('f0_errors')?.MetricStat?.Metric).toEqual({
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: aggregate.functionName }],
    });
    expect(byId.get('f0_age')?.MetricStat).toMatchObject({
      Metric: { Namespace: 'AWS/Lambda', MetricName: 'IteratorAge' },
      Stat: 'Maximum',
    });
    expect(byId.get('f0_onfailure')?.MetricStat).toMatchObject({
      Metric: {
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: aggregate.onFailureQueue }],
      },
      Stat: 'Maximum',
    });
    expect(byId.get('f1_in')).toMatchObject({
      Expression: 'FILL(f1_in_0, 0) + FILL(f1_in_1, 0) + FILL(f1_in_2, 0)',
      ReturnData: true,
    });
    expect(byId.get('f1_in_0')).toMatchObject({ ReturnData: false });
    expect(byId.get('f1_dlq')?.MetricStat?.Metric?.Dimensions).toEqual([
      { Name: 'QueueName', Value: load.deadLetterQueue },
    ]);
    // Not a stream consumer, no on-failure destination: not asked for.
    expect(byId.has('f1_age')).toBe(false);
    expect(byId.has('f1_onfailure')).toBe(false);
    // Ids as GetMetricData wants them: unique, a lower-case letter first, [A-Za-z0-9_].
    expect(new Set(queries.map((q) => q.Id)).size).toBe(queries.length);
    for (const q of queries) expect(q.Id).toMatch(/^[a-z][A-Za-z0-9_]*$/);
  });

  it('covers whole minutes up to the start of the current one', () => {
    // Act
    const range = metricRange(END + 42_500, { totalMinutes: 15, rateMinutes: 5 });

    // Assert
    expect(range).toEqual({ StartTime: minutesBefore(15), EndTime: new Date(END) });
  });
});

describe('countersFromMetrics', () => {
  it('sums the span, rates the last minutes and takes the latest age and queue depth', () => {
    // Arrange: datapoints newest first, as ScanBy TimestampDescending returns them.
    const results = [
      { Id: 'f0_in', Timestamps: [1, 2, 6, 10].map(minutesBefore), Values: [600, 300, 900, 99] },
      { Id: 'f0_out', Timestamps: [1, 7].map(minutesBefore), Values: [120, 60] },
      { Id: 'f0_errors', Timestamps: [3].map(minutesBefore), Values: [2] },
      { Id: 'f0_age', Timestamps: [1, 2].map(minutesBefore), Values: [1_500, 9_000] },
      { Id: 'f0_onfailure', Timestamps: [1, 4].map(minutesBefore), Values: [3, 1] },
    ];

    // Act
    const counters = countersFromMetrics([detect], results, END, {
      totalMinutes: 15,
      rateMinutes: 5,
    });

    // Assert
    expect(counters.noData).toBeUndefined();
    expect(counters.stages).toEqual([
      {
        name: 'λ anomaly-alerts detect ← aggregates',
        kind: 'function',
        recordsIn: 1_899,
        recordsOut: 180,
        errors: 2,
        iteratorAgeMs: 1_500,
        onFailure: 3,
        deadLetter: 0,
        // 600 + 300 in the last 5 minutes (the datapoints at 6 and 10 minutes are older).
        inPerSecond: 3,
        outPerSecond: 0.4,
      },
    ]);
  });

  it('says no data yet when no series has a datapoint, and counts zeros', () => {
    // Arrange
    const results = ['f0_in', 'f0_out', 'f0_errors', 'f0_age', 'f0_onfailure'].map((Id) => ({
      Id,
      Timestamps: [],
      Values: [],
    }));

    // Act
    const counters = countersFromMetrics([detect], results, END);

    // Assert
    expect(counters.noData).toBe(true);
    expect(counters.stages[0]).toMatchObject({
      recordsIn: 0,
      errors: 0,
      onFailure: 0,
      inPerSecond: 0,
    });
    expect(counters.stages[0]?.iteratorAgeMs).toBeUndefined();
  });
});

/** A CloudWatch client that answers (or fails) with what it is given and keeps the requests. */
function fakeCloudWatch(answer: () => unknown) {
  const requests: GetMetricDataCommand[] = [];
  const client = {
    send: async (command: GetMetricDataCommand) => {
      requests.push(command);
      return answer();
    },
  } as unknown as CloudWatchClient;
  return { client, requests };
}

describe('StageMetricsReader', () => {
  it('sends one request per refresh, for every function at once', async () => {
    // Arrange
    let now = END + 5_000;
    const { client, requests } = fakeCloudWatch(() => ({
      MetricDataResults: [{ Id: 'f1_in', Timestamps: [minutesBefore(1)], Values: [60] }],
    }));
    const reader = new StageMetricsReader(client, [detect, aggregate], {
      everyMs: 60_000,
      now: () => now,
    });

    // Act
    const first = await reader.read();
    now += 30_000;
    const between = await reader.read();
    now += 30_000;
    const second = await reader.read();

    // Assert
    expect(requests).toHaveLength(2);
    expect(requests[0]?.input).toMatchObject({
      StartTime: minutesBefore(15),
      EndTime: new Date(END),
      ScanBy: 'TimestampDescending',
    });
    expect(requests[0]?.input.MetricDataQueries?.some((q) => q.Id?.startsWith('f1_'))).toBe(true);
    expect(first?.stages.map((s) => s.recordsIn)).toEqual([0, 60]);
    expect(between).toBeUndefined();
    expect(second).toBeDefined();
  });

  it('says a missing permission as such, again until the next refresh', async () => {
    // Arrange
    let now = END;
    const denied = Object.assign(
      new Error(
        'User: arn:aws:iam::1:user/x is not authorized to perform: cloudwatch:GetMetricData',
      ),
      { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } },
    );
    const { client, requests } = fakeCloudWatch(() => {
      throw denied;
    });
    const reader = new StageMetricsReader(client, [detect], { everyMs: 60_000, now: () => now });

    // Act
    const first = await reader.read().catch((e: unknown) => e);
    now += 1_000;
    const again = await reader.read().catch((e: unknown) => e);

    // Assert
    expect(first).toBeInstanceOf(SourceUnavailableError);
    expect(first).toMatchObject({
      reason: 'denied',
      message: expect.stringContaining('cloudwatch:GetMetricData'),
    });
    expect(again).toBe(first);
    expect(requests).toHaveLength(1);
  });
});
