import { toKafkaBinary, toKafkaStructured } from '@streamlens/schema';
import type { FirehoseTransformationEvent, KinesisStreamEvent } from 'aws-lambda';
import {
  type BuiltEvent,
  buildFirehoseEvent,
  buildKinesisEvent,
  kinesisEventFromPayloads,
  ONE_MIB,
  type RecordMeta,
} from './events.js';
import type { BenchKafkaEvent } from './floors/kafka.js';
import { floorAggregate, type KplAggregatedRecord, type KplUserRecord } from './floors/kpl.js';
import { createRecordGenerator, WORKLOAD_MAX_RECORD_BYTES } from './records.js';
import { createRng } from './rng.js';

/**
 * A named, seeded workload. `data()` builds it once and then returns the same object, so every
 * implementation in a run sees identical input.
 */
export interface Workload<D> {
  readonly name: string;
  readonly description: string;
  /** Events (records) one run of the workload processes; the cost line divides by it. */
  readonly events: number | ((data: D) => number);
  /** Input bytes of one run, for throughput; optional. */
  readonly bytes?: (data: D) => number;
  data(): D;
}

/**
 * Defines a workload (memoised). Services may define their own (e.g. a scoring workload) and use
 * them in `defineBench` like the shared ones.
 *
 * @example
 * const windows = defineWorkload({ name: 'windows-10k', description: '...', events: 10_000, build: () => makeWindows(42) });
 */
export function defineWorkload<D>(spec: {
  name: string;
  description: string;
  events: number | ((data: D) => number);
  bytes?: (data: D) => number;
  build: () => D;
}): Workload<D> {
  let cached: { value: D } | undefined;
  return {
    name: spec.name,
    description: spec.description,
    events: spec.events,
    ...(spec.bytes ? { bytes: spec.bytes } : {}),
    data() {
      cached ??= { value: spec.build() };
      return cached.value;
    },
  };
}

/** The seed every shared workload uses unless told otherwise. */
export const WORKLOAD_SEED = 20260115;

/** A Firehose workload: the event, what each record is, and the per-record size limit. */
export interface FirehoseWorkload extends BuiltEvent<FirehoseTransformationEvent> {
  /** Pass as the per-record limit so that oversize records are rejected alike. */
  readonly maxRecordBytes: number;
}

/** A Kinesis workload: the event and what each record is. */
export interface KinesisWorkload extends BuiltEvent<KinesisStreamEvent> {
  readonly maxRecordBytes: number;
}

/** KPL aggregation: user records to aggregate (data as Buffers, as aws-kinesis-agg wants). */
export interface KplAggregateWorkload {
  readonly userRecords: readonly KplUserRecord[];
  /** Aggregated-record payload limit the output must respect (aws-kinesis-agg's). */
  readonly maxPayloadBytes: number;
  /** The expected output (the floor codec's, byte-identical to aws-kinesis-agg). */
  readonly expected: readonly KplAggregatedRecord[];
}

/** KPL de-aggregation: Kinesis records (base64 data) holding the aggregated user records. */
export interface KplDeaggregateWorkload {
  readonly event: KinesisStreamEvent;
  readonly userRecordCount: number;
  readonly userRecords: readonly KplUserRecord[];
}

/**
 * 100,000 KPL user records: valid CloudEvents of 300–600 bytes, partition keys from a pool of
 * 2,000 entity ids, 1% with an explicit hash key (a decimal 128-bit value, as KPL expects).
 */
export function buildKplUserRecords(count = 100_000, seed = WORKLOAD_SEED): KplUserRecord[] {
  const next = createRecordGenerator({ seed, invalidShare: 0 });
  const rng = createRng(seed ^ 0xa99);
  const out: KplUserRecord[] = [];
  for (let i = 0; i < count; i++) {
    const record = next();
    const partitionKey = `device-${rng.int(1, 2000)}`;
    const data = Buffer.from(record.json, 'utf8');
    if (rng.chance(0.01)) {
      let ehk = String(rng.int(1, 9));
      while (ehk.length < 38) ehk += String(rng.int(0, 9));
      out.push({ partitionKey, explicitHashKey: ehk, data });
    } else {
      out.push({ partitionKey, data });
    }
  }
  return out;
}

const kplUserRecords = defineWorkload({
  name: 'kpl-user-records',
  description: '100,000 KPL user records',
  events: 100_000,
  build: () => buildKplUserRecords(),
});

const kplAggregate = defineWorkload<KplAggregateWorkload>({
  name: 'kpl-100k-aggregate',
  description: '100,000 user records aggregated into ~1 MiB KPL records',
  events: (d) => d.userRecords.length,
  bytes: (d) => d.userRecords.reduce((n, r) => n + r.data.length, 0),
  build: () => {
    const userRecords = kplUserRecords.data();
    return {
      userRecords,
      maxPayloadBytes: 1024 * 1024 - 16 - 4,
      expected: floorAggregate(userRecords),
    };
  },
});

const firehoseWorkload = (targetBytes: number, sourceStreamName?: string): FirehoseWorkload => ({
  ...buildFirehoseEvent({
    targetBytes,
    seed: WORKLOAD_SEED,
    ...(sourceStreamName ? { sourceStreamName } : {}),
  }),
  maxRecordBytes: WORKLOAD_MAX_RECORD_BYTES,
});

const eventBytes = (d: { bytes: number }): number => d.bytes;

/** A Kafka workload: the Lambda Kafka event of the kinesis-6mb records, and their metadata. */
export interface KafkaWorkload {
  readonly event: BenchKafkaEvent;
  readonly records: readonly RecordMeta[];
  readonly bytes: number;
  readonly maxRecordBytes: number;
}

/**
 * The kinesis-6mb records as one partition's Lambda Kafka event (MSK): each Kinesis record's data
 * as the value and its partition key as the key, in the CloudEvents Kafka binding's structured
 * mode (the `content-type` header) or binary mode (attributes in `ce_` headers, which Lambda
 * spells as lists of byte values; records that are not a CloudEvent object go as they are).
 */
function kafkaWorkload(mode: 'structured' | 'binary'): KafkaWorkload {
  const kinesis = workloads['kinesis-6mb'].data();
  const bytesOf = (b: Buffer) => [...b];
  const records = kinesis.event.Records.map((r, offset) => {
    const value = Buffer.from(r.kinesis.data, 'base64');
    let encoded: { value: Buffer; headers: Map<string, Buffer> } = toKafkaStructured(value);
    if (mode === 'binary') {
      let event: unknown;
      try {
        event = JSON.parse(value.toString('utf8'));
      } catch {
        event = undefined;
      }
      encoded =
        typeof event === 'object' &&
        event !== null &&
        !Array.isArray(event) &&
        'specversion' in event
          ? toKafkaBinary(event as Record<string, unknown>)
          : { value, headers: new Map() };
    }
    return {
      topic: 'events',
      partition: 0,
      offset,
      timestamp: Math.round(r.kinesis.approximateArrivalTimestamp * 1000),
      timestampType: 'CREATE_TIME',
      key: Buffer.from(r.kinesis.partitionKey).toString('base64'),
      value: encoded.value.toString('base64'),
      headers: [...encoded.headers].map(([name, v]) => ({ [name]: bytesOf(v) })),
    };
  });
  const event: BenchKafkaEvent = {
    eventSource: 'aws:kafka',
    eventSourceArn: 'arn:aws:kafka:us-east-1:000000000000:cluster/streamlens-bench/0',
    records: { 'events-0': records },
  };
  return {
    event,
    records: kinesis.records,
    bytes: JSON.stringify(event).length,
    maxRecordBytes: kinesis.maxRecordBytes,
  };
}

/**
 * The shared workloads of docs/performance-targets.md, by name.
 *
 * @example
 * import { workloads } from '@streamlens/bench';
 * const { event } = workloads['firehose-6mib'].data();
 */
export const workloads = {
  'firehose-1mib': defineWorkload<FirehoseWorkload>({
    name: 'firehose-1mib',
    description: 'Firehose transformation event of ~1 MiB (direct PUT), ~5% invalid records',
    events: (d) => d.records.length,
    bytes: eventBytes,
    build: () => firehoseWorkload(ONE_MIB),
  }),
  'firehose-6mib': defineWorkload<FirehoseWorkload>({
    name: 'firehose-6mib',
    description: 'Firehose transformation event of ~6 MiB (direct PUT), ~5% invalid records',
    events: (d) => d.records.length,
    bytes: eventBytes,
    build: () => firehoseWorkload(6 * ONE_MIB),
  }),
  'firehose-kinesis-1mib': defineWorkload<FirehoseWorkload>({
    name: 'firehose-kinesis-1mib',
    description:
      'Firehose transformation event of ~1 MiB read from a Kinesis stream (kinesisRecordMetadata)',
    events: (d) => d.records.length,
    bytes: eventBytes,
    build: () => firehoseWorkload(ONE_MIB, 'streamlens-dev-events'),
  }),
  'kinesis-6mb': defineWorkload<KinesisWorkload>({
    name: 'kinesis-6mb',
    description:
      'KinesisStreamEvent near the 6 MB invocation limit (one shard), ~5% invalid records',
    events: (d) => d.records.length,
    bytes: eventBytes,
    build: () => ({
      ...buildKinesisEvent({ targetBytes: 6_000_000, seed: WORKLOAD_SEED }),
      maxRecordBytes: WORKLOAD_MAX_RECORD_BYTES,
    }),
  }),
  'kafka-6mb': defineWorkload<KafkaWorkload>({
    name: 'kafka-6mb',
    description: 'the kinesis-6mb records as an MSK event (one partition), structured CloudEvents',
    events: (d) => d.records.length,
    bytes: (d) => d.bytes,
    build: () => kafkaWorkload('structured'),
  }),
  'kafka-binary': defineWorkload<KafkaWorkload>({
    name: 'kafka-binary',
    description:
      'the kinesis-6mb records as an MSK event, binary-mode CloudEvents (ce_ headers as byte lists)',
    events: (d) => d.records.length,
    bytes: (d) => d.bytes,
    build: () => kafkaWorkload('binary'),
  }),
  'kpl-100k-aggregate': kplAggregate,
  'kpl-100k-deaggregate': defineWorkload<KplDeaggregateWorkload>({
    name: 'kpl-100k-deaggregate',
    description: 'The aggregated 100,000 user records as a Kinesis event (base64), de-aggregated',
    events: (d) => d.userRecordCount,
    bytes: (d) => d.event.Records.reduce((n, r) => n + r.kinesis.data.length, 0),
    build: () => {
      // Same user records and aggregation as kpl-100k-aggregate (built once, shared).
      const { userRecords, expected } = kplAggregate.data();
      return {
        event: kinesisEventFromPayloads(expected, { seed: WORKLOAD_SEED }),
        userRecordCount: userRecords.length,
        userRecords,
      };
    },
  }),
} as const;

/** Names of the shared workloads. */
export type WorkloadName = keyof typeof workloads;

/** The data type of each shared workload. */
export type WorkloadData<N extends WorkloadName> = ReturnType<(typeof workloads)[N]['data']>;
