import {
  type CloudWatchClient,
  GetMetricDataCommand,
  type GetMetricDataCommandOutput,
  type MetricDataQuery,
} from '@aws-sdk/client-cloudwatch';
import { unavailable } from './problems.js';
import type { PipelineCounters, StageCounters } from './source.js';

/** One function of a deployed stage, with the names of what the Pipeline view reads for it. */
export interface StageFunction {
  /** The service (its `service` EMF dimension, POWERTOOLS_SERVICE_NAME) and function key. */
  readonly service: string;
  readonly key: string;
  /** Its deployed name (the AWS/Lambda `FunctionName` dimension). */
  readonly functionName: string;
  /** What it reads: `events` (a stream), `sqs warehouse-loader` (a queue), `firehose lake`. */
  readonly source?: string;
  readonly kind: 'function' | 'queue';
  /** A Kinesis consumer: its IteratorAge is drawn. */
  readonly streamConsumer: boolean;
  /** Its event source mapping's on-failure destination (an SQS queue name). */
  readonly onFailureQueue?: string;
  /** Its dead-letter queue (an SQS consumer's redrive target, a schedule's DLQ). */
  readonly deadLetterQueue?: string;
}

/**
 * The EMF metrics (namespace `streamlens`, dimension `service`) each function counts its records
 * in and out with, summed, as the services emit them (and the stage's CloudWatch dashboard,
 * services/resources/dashboard/dashboard.cjs, draws them). anomaly-alerts reports every record of
 * a batch as exactly one of its four Kinesis counters.
 */
export const RECORD_METRICS: Readonly<
  Record<string, { readonly in: readonly string[]; readonly out: readonly string[] }>
> = {
  'firehose-transform:transform': { in: ['RecordsIn'], out: ['RecordsOk'] },
  'stream-aggregator:aggregate': { in: ['RecordsReceived'], out: ['RecordsApplied'] },
  'stream-aggregator:idle': { in: [], out: ['WindowsEmittedIdle'] },
  'anomaly-alerts:detect': {
    in: [
      'KinesisRecordsProcessed',
      'KinesisRecordsFailed',
      'KinesisRecordsDecodeFailed',
      'KinesisRecordsNotAttempted',
    ],
    out: ['WindowsScored'],
  },
  'dynamodb-indexer:index': { in: ['KinesisRecords'], out: ['EventsIndexed'] },
  'opensearch-indexer:index': { in: ['KinesisRecords'], out: ['EventsIndexed'] },
  'warehouse-loader:load': {
    in: ['ObjectsLoaded', 'ObjectsSkipped', 'ObjectsFailed'],
    out: ['ObjectsLoaded'],
  },
};

/** The EMF namespace of every streamlens function (config/serverless-common.yml). */
export const EMF_NAMESPACE = 'streamlens';

/** What one GetMetricData request covers. */
export interface MetricsSpan {
  /** Minutes the totals (in, out, errors) sum over. */
  readonly totalMinutes: number;
  /** Minutes the rates (in/s, out/s) average over: EMF metrics arrive a minute or two late. */
  readonly rateMinutes: number;
}

export const DEFAULT_SPAN: MetricsSpan = { totalMinutes: 15, rateMinutes: 5 };

const PERIOD = 60;

const stat = (
  id: string,
  namespace: string,
  metric: string,
  dimension: [string, string],
  statistic: 'Sum' | 'Maximum',
  returnData = true,
): MetricDataQuery => ({
  Id: id,
  MetricStat: {
    Metric: {
      Namespace: namespace,
      MetricName: metric,
      Dimensions: [{ Name: dimension[0], Value: dimension[1] }],
    },
    Period: PERIOD,
    Stat: statistic,
  },
  ReturnData: returnData,
});

/** Summed EMF counters of a service as one series `id` (a metric math sum when several). */
function emfSum(id: string, service: string, metrics: readonly string[]): MetricDataQuery[] {
  if (metrics.length === 1) {
    return [stat(id, EMF_NAMESPACE, metrics[0] as string, ['service', service], 'Sum')];
  }
  const parts = metrics.map((m, j) =>
    stat(`${id}_${j}`, EMF_NAMESPACE, m, ['service', service], 'Sum', false),
  );
  return [
    ...parts,
    {
      Id: id,
      Expression: parts.map((p) => `FILL(${p.Id}, 0)`).join(' + '),
      Label: metrics.join(' + '),
      ReturnData: true,
    },
  ];
}

/**
 * The queries of one GetMetricData request for every function of the stage: records in and out
 * (EMF), Errors and IteratorAge (AWS/Lambda, by FunctionName), the depth of its on-failure queue
 * and dead-letter queue (AWS/SQS ApproximateNumberOfMessagesVisible, as the alarms read them).
 * Query ids are `f<i>_<what>`, what the response is mapped back by.
 */
export function metricQueries(functions: readonly StageFunction[]): MetricDataQuery[] {
  const queries: MetricDataQuery[] = [];
  functions.forEach((f, i) => {
    const records = RECORD_METRICS[`${f.service}:${f.key}`];
    if (records?.in.length) queries.push(...emfSum(`f${i}_in`, f.service, records.in));
    if (records?.out.length) queries.push(...emfSum(`f${i}_out`, f.service, records.out));
    const fn: [string, string] = ['FunctionName', f.functionName];
    queries.push(stat(`f${i}_errors`, 'AWS/Lambda', 'Errors', fn, 'Sum'));
    if (f.streamConsumer) {
      queries.push(stat(`f${i}_age`, 'AWS/Lambda', 'IteratorAge', fn, 'Maximum'));
    }
    const depth = (id: string, queue: string) =>
      stat(id, 'AWS/SQS', 'ApproximateNumberOfMessagesVisible', ['QueueName', queue], 'Maximum');
    if (f.onFailureQueue) queries.push(depth(`f${i}_onfailure`, f.onFailureQueue));
    if (f.deadLetterQueue) queries.push(depth(`f${i}_dlq`, f.deadLetterQueue));
  });
  return queries;
}

/** The request's time range: whole minutes, ending at the start of the current one. */
export function metricRange(nowMs: number, span: MetricsSpan = DEFAULT_SPAN) {
  const end = Math.floor(nowMs / 60_000) * 60_000;
  return { StartTime: new Date(end - span.totalMinutes * 60_000), EndTime: new Date(end) };
}

type Results = GetMetricDataCommandOutput['MetricDataResults'];

/**
 * The stage's counters from a GetMetricData response: per function the records in and out and
 * the errors summed over the span, the rates over its last `rateMinutes`, the latest iterator age
 * and queue depths. A series without datapoints counts 0 (CloudWatch has no datapoint for a
 * counter nothing incremented); `noData` when no series had any.
 */
export function countersFromMetrics(
  functions: readonly StageFunction[],
  results: Results,
  endMs: number,
  span: MetricsSpan = DEFAULT_SPAN,
): PipelineCounters {
  const byId = new Map<string, { t: number[]; v: number[] }>();
  let points = 0;
  for (const r of results ?? []) {
    if (!r.Id) continue;
    const t = (r.Timestamps ?? []).map((d) => new Date(d).getTime());
    const v = r.Values ?? [];
    points += v.length;
    byId.set(r.Id, { t, v });
  }
  const rateFrom = endMs - span.rateMinutes * 60_000;
  const sum = (id: string, fromMs = Number.NEGATIVE_INFINITY) => {
    const s = byId.get(id);
    let total = 0;
    s?.v.forEach((v, k) => {
      if ((s.t[k] ?? 0) >= fromMs && Number.isFinite(v)) total += v;
    });
    return total;
  };
  const latest = (id: string): number | undefined => {
    const s = byId.get(id);
    if (!s || s.v.length === 0) return undefined;
    let at = 0;
    s.t.forEach((t, k) => {
      if (t > (s.t[at] ?? 0)) at = k;
    });
    return s.v[at];
  };
  const stages: StageCounters[] = functions.map((f, i) => {
    const records = RECORD_METRICS[`${f.service}:${f.key}`];
    const age = f.streamConsumer ? latest(`f${i}_age`) : undefined;
    return {
      name: `λ ${f.service} ${f.key}${f.source ? ` ← ${f.source}` : ''}`,
      kind: f.kind,
      recordsIn: sum(`f${i}_in`),
      recordsOut: sum(`f${i}_out`),
      errors: sum(`f${i}_errors`),
      ...(age !== undefined ? { iteratorAgeMs: age } : {}),
      onFailure: f.onFailureQueue ? (latest(`f${i}_onfailure`) ?? 0) : 0,
      deadLetter: f.deadLetterQueue ? (latest(`f${i}_dlq`) ?? 0) : 0,
      ...(records?.in.length
        ? { inPerSecond: sum(`f${i}_in`, rateFrom) / (span.rateMinutes * 60) }
        : {}),
      ...(records?.out.length
        ? { outPerSecond: sum(`f${i}_out`, rateFrom) / (span.rateMinutes * 60) }
        : {}),
    };
  });
  return {
    atMs: endMs,
    stages,
    span: `last ${span.totalMinutes} min; rates over the last ${span.rateMinutes} min; queues: messages waiting`,
    ...(points === 0 ? { noData: true } : {}),
  };
}

/**
 * The Pipeline view of a deployed stage from CloudWatch: one GetMetricData request per refresh
 * (every `everyMs`, default 60 s: the metrics have one-minute periods, and each metric requested
 * is billed), through the SDK's CloudWatch client and the default credential chain.
 */
export class StageMetricsReader {
  private lastMs: number | undefined;
  /** The last refresh's failure: said again until the next refresh (retried every `everyMs`). */
  private failure: Error | undefined;

  constructor(
    private readonly cloudwatch: CloudWatchClient,
    private readonly functions: readonly StageFunction[],
    private readonly options: { everyMs?: number; span?: MetricsSpan; now?: () => number } = {},
  ) {}

  /** The counters, or undefined when the last refresh is recent enough. */
  async read(): Promise<PipelineCounters | undefined> {
    const now = (this.options.now ?? Date.now)();
    if (this.lastMs !== undefined && now - this.lastMs < (this.options.everyMs ?? 60_000)) {
      if (this.failure) throw this.failure;
      return undefined;
    }
    this.lastMs = now;
    const span = this.options.span ?? DEFAULT_SPAN;
    const range = metricRange(now, span);
    let out: GetMetricDataCommandOutput;
    try {
      out = await this.cloudwatch.send(
        new GetMetricDataCommand({
          MetricDataQueries: metricQueries(this.functions),
          ...range,
          ScanBy: 'TimestampDescending',
        }),
      );
    } catch (error) {
      this.failure = unavailable('CloudWatch metrics', error);
      throw this.failure;
    }
    this.failure = undefined;
    return countersFromMetrics(
      this.functions,
      out.MetricDataResults,
      range.EndTime.getTime(),
      span,
    );
  }
}
