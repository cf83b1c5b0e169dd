import type { MetricsWindow } from '@streamlens/schema';
import { seriesKey } from '@streamlens/schema';
import { metricsWindow } from '@streamlens/schema/testing';
import type { KinesisStreamEvent } from 'aws-lambda';
import type { OutboxEntry } from '../../src/alerting/message.js';
import type { AlertPublisher } from '../../src/processor.js';
import type { SeriesItem } from '../../src/scoring.js';
import type { SeriesStore } from '../../src/store.js';

const MINUTE = 60_000;
const T0 = Date.parse('2026-01-01T00:00:00.000Z');

/** Options of `windowSeries`. */
export interface SeriesOptions {
  metric?: string;
  dimensions?: Record<string, string>;
  kind?: 'telemetry' | 'log';
  startMs?: number;
}

/** The final `metrics.window` of minute `i` of a series with this observed value. */
export function windowAt(
  i: number,
  value: number,
  opts: SeriesOptions = {},
  revision = 0,
): MetricsWindow {
  const metric = opts.metric ?? (opts.kind === 'log' ? 'log.count' : 'cpu.utilization');
  const dimensions =
    opts.dimensions ??
    (opts.kind === 'log'
      ? { level: 'ERROR', service: 'checkout' }
      : { host: 'web-1', service: 'checkout' });
  const series = seriesKey(metric, dimensions);
  const startMs = (opts.startMs ?? T0) + i * MINUTE;
  const windowStart = new Date(startMs).toISOString();
  const count = opts.kind === 'log' ? Math.max(0, Math.round(value)) : 10;
  return metricsWindow({
    id: `${series}|${windowStart}|r${revision}`,
    subject: series,
    time: new Date(startMs + MINUTE).toISOString(),
    data: {
      series,
      kind: opts.kind ?? 'telemetry',
      metric,
      dimensions,
      windowStart,
      windowEnd: new Date(startMs + MINUTE).toISOString(),
      revision,
      count,
      sum: value * count,
      min: value,
      max: value,
      mean: value,
      p50: value,
      p90: value,
      p99: value,
      final: true,
    },
  });
}

/** A steady noisy series (deterministic) with an optional spike at `spikeAt`. */
export function steadyValues(n: number, spikeAt?: number, spike = 500): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++)
    out.push(i === spikeAt ? spike : 50 + 3 * Math.sin(i * 1.7) + ((i * 7919) % 5) - 2);
  return out;
}

/** An in-memory SeriesStore with DynamoDB's conditional-write semantics (items deep-copied). */
export class MemoryStore implements SeriesStore {
  readonly items = new Map<string, SeriesItem>();
  puts = 0;
  /** Called before each put (lets a test make a concurrent writer win). */
  beforePut?: (item: SeriesItem) => void | Promise<void>;

  async get(series: string) {
    const item = this.items.get(series);
    return item ? structuredClone(item) : undefined;
  }

  async put(item: SeriesItem, expectedVersion: number) {
    await this.beforePut?.(item);
    const current = this.items.get(item.series);
    if ((current?.version ?? 0) !== expectedVersion) return false;
    this.items.set(item.series, structuredClone(item));
    this.puts += 1;
    return true;
  }
}

/** A publisher that records what it published and can fail chosen ids. */
export class RecordingPublisher implements AlertPublisher {
  readonly published: OutboxEntry[] = [];
  /** The deadline each call was given. */
  readonly deadlines: number[] = [];
  failIds = new Set<string>();
  failAll = false;

  async publish(entries: readonly OutboxEntry[], { deadline }: { readonly deadline: number }) {
    this.deadlines.push(deadline);
    const failed: { id: string; code: string }[] = [];
    for (const e of entries) {
      if (this.failAll || this.failIds.has(e.id)) failed.push({ id: e.id, code: 'Throttled' });
      else this.published.push(e);
    }
    return { failed };
  }
}

/** A Kinesis event carrying these windows on one shard, sequence numbers from `firstSeq`. */
export function kinesisEventOf(
  windows: readonly MetricsWindow[],
  firstSeq = 1000,
  streamArn = 'arn:aws:kinesis:us-east-1:000000000000:stream/aggregates',
): KinesisStreamEvent {
  return {
    Records: windows.map((w, i) => {
      const seq = String(firstSeq + i).padStart(20, '0');
      return {
        kinesis: {
          kinesisSchemaVersion: '1.0',
          partitionKey: w.data.series,
          sequenceNumber: seq,
          data: Buffer.from(JSON.stringify(w)).toString('base64'),
          approximateArrivalTimestamp: Date.parse(w.data.windowEnd) / 1000,
        },
        eventSource: 'aws:kinesis',
        eventVersion: '1.0',
        eventID: `shardId-000000000000:${seq}`,
        eventName: 'aws:kinesis:record',
        invokeIdentityArn: 'arn:aws:iam::000000000000:role/anomaly-alerts',
        awsRegion: 'us-east-1',
        eventSourceARN: streamArn,
      };
    }),
  };
}
