import type {
  FirehoseTransformationEvent,
  FirehoseTransformationEventRecord,
  KinesisStreamEvent,
  KinesisStreamRecord,
} from 'aws-lambda';
import {
  createRecordGenerator,
  type GeneratedRecord,
  type InvalidKind,
  type RecordGeneratorOptions,
  type RecordType,
} from './records.js';
import { createRng } from './rng.js';

/** What a workload knows about each record of an event, in event order (no copy of the data). */
export interface RecordMeta {
  readonly type: RecordType;
  readonly bytes: number;
  readonly invalid?: InvalidKind;
}

/** A payload to wrap in a Lambda event: text is UTF-8 encoded, bytes are taken as they are. */
export interface Payload {
  readonly data: Uint8Array | string;
  readonly partitionKey?: string;
}

export const ONE_MIB = 1024 * 1024;
/** Lambda's synchronous invocation payload limit (6 MB as AWS counts it: 6 × 2^20 bytes). */
export const LAMBDA_PAYLOAD_LIMIT_BYTES = 6 * ONE_MIB;

const ACCOUNT = '123456789012';

function toBase64(data: Uint8Array | string): string {
  return typeof data === 'string'
    ? Buffer.from(data, 'utf8').toString('base64')
    : Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64');
}

/** Kinesis sequence numbers are 56-digit decimals that grow within a shard. */
function sequenceNumbers(seed: number): () => string {
  const rng = createRng(seed ^ 0x5eed);
  let digits = '4959';
  while (digits.length < 46) digits += String(rng.int(0, 9));
  let next = BigInt(digits) * 10_000_000_000n;
  return () => {
    next += BigInt(rng.int(1, 4096)) * 65_536n;
    return next.toString();
  };
}

/** Options shared by the Firehose event builders. */
export interface FirehoseEventOptions {
  readonly seed?: number;
  readonly region?: string;
  readonly deliveryStreamName?: string;
  /** When set, records carry `kinesisRecordMetadata` and the event `sourceKinesisStreamArn`. */
  readonly sourceStreamName?: string;
  /** Arrival time of the first record (ms since epoch). */
  readonly arrivalStartMs?: number;
}

interface FirehoseRecordFactory {
  readonly header: Omit<FirehoseTransformationEvent, 'records'>;
  record(data: Uint8Array | string, partitionKey?: string): FirehoseTransformationEventRecord;
}

function firehoseFactory(options: FirehoseEventOptions): FirehoseRecordFactory {
  const seed = options.seed ?? 1;
  const rng = createRng(seed ^ 0xf1e7);
  const region = options.region ?? 'us-east-1';
  const deliveryStreamArn = `arn:aws:firehose:${region}:${ACCOUNT}:deliverystream/${
    options.deliveryStreamName ?? 'streamlens-dev-lake'
  }`;
  const h = rng.hex(32);
  const invocationId = `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20)}`;
  const nextSeq = sequenceNumbers(seed);
  let arrival = options.arrivalStartMs ?? Date.UTC(2026, 0, 15, 12, 0, 5, 0);
  const source = options.sourceStreamName;
  const header: Omit<FirehoseTransformationEvent, 'records'> = source
    ? {
        invocationId,
        deliveryStreamArn,
        sourceKinesisStreamArn: `arn:aws:kinesis:${region}:${ACCOUNT}:stream/${source}`,
        region,
      }
    : { invocationId, deliveryStreamArn, region };
  const shardId = `shardId-00000000000${rng.int(0, 3)}`;
  return {
    header,
    record(data, partitionKey) {
      arrival += rng.int(0, 3);
      const sequenceNumber = nextSeq();
      const recordId = `${sequenceNumber}000000`;
      const base = { recordId, approximateArrivalTimestamp: arrival, data: toBase64(data) };
      if (!source) return base;
      return {
        ...base,
        kinesisRecordMetadata: {
          shardId,
          partitionKey: partitionKey ?? `pk-${rng.int(0, 255)}`,
          approximateArrivalTimestamp: arrival,
          sequenceNumber,
          subsequenceNumber: 0,
        },
        // @types/aws-lambda types subsequenceNumber as a string; Firehose sends a number (and
        // Powertools' schema requires one).
      } as unknown as FirehoseTransformationEventRecord;
    },
  };
}

/**
 * Wraps payloads in a Firehose data-transformation event, exactly as Firehose sends it to Lambda
 * (`invocationId`, `deliveryStreamArn`, `region`, records with `recordId`, arrival time in ms and
 * base64 `data`; plus `kinesisRecordMetadata` when the delivery stream reads a Kinesis stream).
 *
 * @example
 * const event = firehoseEventFromPayloads([{ data: '{"specversion":"1.0",...}' }]);
 */
export function firehoseEventFromPayloads(
  payloads: readonly Payload[],
  options: FirehoseEventOptions = {},
): FirehoseTransformationEvent {
  const factory = firehoseFactory(options);
  return {
    ...factory.header,
    records: payloads.map((p) => factory.record(p.data, p.partitionKey)),
  };
}

/** Options shared by the Kinesis event builders. */
export interface KinesisEventOptions {
  readonly seed?: number;
  readonly region?: string;
  readonly streamName?: string;
  readonly shardId?: string;
  /** Arrival time of the first record (ms since epoch; the event carries seconds). */
  readonly arrivalStartMs?: number;
}

interface KinesisRecordFactory {
  record(data: Uint8Array | string, partitionKey?: string): KinesisStreamRecord;
}

function kinesisFactory(options: KinesisEventOptions): KinesisRecordFactory {
  const seed = options.seed ?? 1;
  const rng = createRng(seed ^ 0x4b1e);
  const region = options.region ?? 'us-east-1';
  const eventSourceARN = `arn:aws:kinesis:${region}:${ACCOUNT}:stream/${
    options.streamName ?? 'streamlens-dev-events'
  }`;
  const shardId = options.shardId ?? 'shardId-000000000000';
  const nextSeq = sequenceNumbers(seed);
  let arrival = options.arrivalStartMs ?? Date.UTC(2026, 0, 15, 12, 0, 5, 0);
  return {
    record(data, partitionKey) {
      arrival += rng.int(0, 3);
      const sequenceNumber = nextSeq();
      return {
        kinesis: {
          kinesisSchemaVersion: '1.0',
          partitionKey: partitionKey ?? `pk-${rng.int(0, 255)}`,
          sequenceNumber,
          data: toBase64(data),
          // Lambda's Kinesis records carry the arrival time in seconds, with a millisecond fraction.
          approximateArrivalTimestamp: arrival / 1000,
        },
        eventSource: 'aws:kinesis',
        eventVersion: '1.0',
        eventID: `${shardId}:${sequenceNumber}`,
        eventName: 'aws:kinesis:record',
        invokeIdentityArn: `arn:aws:iam::${ACCOUNT}:role/streamlens-dev-stream-aggregator`,
        awsRegion: region,
        eventSourceARN,
      };
    },
  };
}

/**
 * Wraps payloads in a Lambda `KinesisStreamEvent` (one shard, increasing sequence numbers), exactly
 * as the Kinesis event source mapping delivers it.
 *
 * @example
 * const event = kinesisEventFromPayloads([{ data: bytes, partitionKey: 'web-1' }]);
 */
export function kinesisEventFromPayloads(
  payloads: readonly Payload[],
  options: KinesisEventOptions = {},
): KinesisStreamEvent {
  const factory = kinesisFactory(options);
  return { Records: payloads.map((p) => factory.record(p.data, p.partitionKey)) };
}

/** A generated event, with what each of its records is. */
export interface BuiltEvent<E> {
  readonly event: E;
  readonly records: readonly RecordMeta[];
  /** Byte length of `JSON.stringify(event)` (all ASCII), i.e. the invocation payload size. */
  readonly bytes: number;
}

/** Options of the sized builders. */
export interface SizedEventOptions {
  /** Upper bound of the serialised event size in bytes. */
  readonly targetBytes: number;
  readonly seed?: number;
  /** Options of the record generator (the seed defaults to the event's). */
  readonly records?: RecordGeneratorOptions;
}

function partitionKeyOf(record: GeneratedRecord, index: number): string {
  // Producers key by entity; broken records get a synthetic key.
  const match = /"subject":"([^"]+)"/.exec(record.json);
  return match?.[1] ?? `pk-${index % 256}`;
}

function fill<R>(
  headerBytes: number,
  targetBytes: number,
  seed: number,
  recordOptions: RecordGeneratorOptions | undefined,
  wrap: (record: GeneratedRecord, index: number) => R,
): { wrapped: R[]; records: RecordMeta[]; bytes: number } {
  const next = createRecordGenerator({ seed, ...recordOptions });
  const wrapped: R[] = [];
  const records: RecordMeta[] = [];
  let bytes = headerBytes;
  for (;;) {
    const record = next();
    const item = wrap(record, wrapped.length);
    const size = JSON.stringify(item).length + (wrapped.length > 0 ? 1 : 0);
    if (bytes + size > targetBytes) break;
    bytes += size;
    wrapped.push(item);
    records.push(
      record.invalid === undefined
        ? { type: record.type, bytes: record.bytes }
        : { type: record.type, bytes: record.bytes, invalid: record.invalid },
    );
  }
  return { wrapped, records, bytes };
}

/**
 * Builds a Firehose transformation event of generated records, as large as fits in `targetBytes`
 * (1 MiB gives about 1,460 records, 6 MiB about 8,650). Also the generator of the ~6 MB sample
 * event the firehose-transform service ships.
 *
 * @example
 * const { event, records } = buildFirehoseEvent({ targetBytes: 6 * ONE_MIB, seed: 1 });
 */
export function buildFirehoseEvent(
  options: SizedEventOptions & FirehoseEventOptions,
): BuiltEvent<FirehoseTransformationEvent> {
  const seed = options.seed ?? 1;
  const factory = firehoseFactory(options);
  const headerBytes = JSON.stringify({ ...factory.header, records: [] }).length;
  const { wrapped, records, bytes } = fill(
    headerBytes,
    options.targetBytes,
    seed,
    options.records,
    (record, index) => factory.record(record.json, partitionKeyOf(record, index)),
  );
  return { event: { ...factory.header, records: wrapped }, records, bytes };
}

/**
 * Builds a Lambda `KinesisStreamEvent` of generated records, as large as fits in `targetBytes`
 * (6,000,000 bytes gives about 5,500 records of 300–600 bytes).
 *
 * @example
 * const { event } = buildKinesisEvent({ targetBytes: 6_000_000, seed: 1 });
 */
export function buildKinesisEvent(
  options: SizedEventOptions & KinesisEventOptions,
): BuiltEvent<KinesisStreamEvent> {
  const seed = options.seed ?? 1;
  const factory = kinesisFactory(options);
  const headerBytes = JSON.stringify({ Records: [] }).length;
  const { wrapped, records, bytes } = fill(
    headerBytes,
    options.targetBytes,
    seed,
    options.records,
    (record, index) => factory.record(record.json, partitionKeyOf(record, index)),
  );
  return { event: { Records: wrapped }, records, bytes };
}
