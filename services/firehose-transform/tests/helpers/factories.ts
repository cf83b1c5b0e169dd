import { gzipSync } from 'node:zlib';
import { cloudWatchControlMessage } from '@streamlens/schema/testing';
import type { FirehoseInputRecord, FirehoseTransformationEvent } from '../../src/model.js';

/** ARNs the sample events and tests use (account 000000000000 as in the offline defaults). */
export const DELIVERY_STREAM_ARN =
  'arn:aws:firehose:us-east-1:000000000000:deliverystream/streamlens-dev-lake';
export const SOURCE_STREAM_ARN =
  'arn:aws:kinesis:us-east-1:000000000000:stream/streamlens-dev-events';

/** Base arrival time of the fixtures: 2026-11-25T10:15:00.000Z. */
export const ARRIVAL_MS = Date.UTC(2026, 10, 25, 10, 15, 0, 0);

/** A valid `telemetry.reading` CloudEvent; `overrides` replace top-level fields. */
export function telemetryEvent(
  n = 0,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    specversion: '1.0',
    id: `evt-telemetry-${n}`,
    source: 'streamlens/producer',
    type: 'telemetry.reading',
    time: '2026-11-25T10:14:59.123Z',
    subject: `web-${n % 3}`,
    data: {
      metric: 'cpu.utilization',
      value: 40 + (n % 50),
      unit: 'Percent',
      dimensions: { region: 'eu-west-1', host: `web-${n % 3}` },
    },
    ...overrides,
  };
}

/** A valid `app.log` CloudEvent. */
export function appLogEvent(
  n = 0,
  level = 'INFO',
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    specversion: '1.0',
    id: `evt-log-${n}`,
    source: 'streamlens/producer',
    type: 'app.log',
    time: '2026-11-25T10:14:58.000Z',
    data: { level, message: `request ${n} served`, service: 'checkout', traceId: `trace-${n}` },
    ...overrides,
  };
}

/** Anything as record bytes: objects are JSON-encoded, strings UTF-8. */
export function bytesOf(data: unknown): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (data instanceof Uint8Array) return Buffer.from(data);
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  return Buffer.from(JSON.stringify(data), 'utf8');
}

/** Options of `firehoseRecord`. */
export interface RecordOptions {
  recordId?: string;
  arrivalMs?: number;
  /** Adds kinesisRecordMetadata (Kinesis-sourced delivery stream). */
  kinesis?: {
    shardId?: string;
    partitionKey?: string;
    sequenceNumber?: string;
    subsequenceNumber?: number;
  };
}

let counter = 0;

/** One Firehose input record holding `data` (object → JSON, string, or raw bytes). */
export function firehoseRecord(data: unknown, opts: RecordOptions = {}): FirehoseInputRecord {
  const n = counter++;
  const record: FirehoseInputRecord = {
    recordId:
      opts.recordId ??
      `49546986683135544286507457936321625675700192471156785154${String(n).padStart(6, '0')}`,
    approximateArrivalTimestamp: opts.arrivalMs ?? ARRIVAL_MS + n,
    data: bytesOf(data).toString('base64'),
  };
  if (opts.kinesis !== undefined) {
    record.kinesisRecordMetadata = {
      shardId: opts.kinesis.shardId ?? 'shardId-000000000000',
      partitionKey: opts.kinesis.partitionKey ?? `pk-${n}`,
      sequenceNumber:
        opts.kinesis.sequenceNumber ??
        `4954511524349098501828006771497314458218006259324420${String(n).padStart(4, '0')}`,
      approximateArrivalTimestamp: record.approximateArrivalTimestamp,
      ...(opts.kinesis.subsequenceNumber !== undefined
        ? { subsequenceNumber: opts.kinesis.subsequenceNumber }
        : {}),
    };
  }
  return record;
}

/** A transformation request; `kinesisSource` adds `sourceKinesisStreamArn`. */
export function firehoseEvent(
  records: FirehoseInputRecord[],
  opts: { kinesisSource?: boolean; invocationId?: string } = {},
): FirehoseTransformationEvent {
  const event: FirehoseTransformationEvent = {
    invocationId: opts.invocationId ?? '7ab1c1f4-0d4e-4b41-9a53-2c0f1c8e0e42',
    deliveryStreamArn: DELIVERY_STREAM_ARN,
    region: 'us-east-1',
    records,
  };
  if (opts.kinesisSource) event.sourceKinesisStreamArn = SOURCE_STREAM_ARN;
  return event;
}

/** A CloudWatch Logs subscription payload, gzip-compressed as CloudWatch Logs sends it. */
export function cloudWatchLogsData(
  messages: string[],
  opts: {
    messageType?: 'DATA_MESSAGE' | 'CONTROL_MESSAGE';
    logGroup?: string;
    startMs?: number;
    idPrefix?: string;
  } = {},
): Buffer {
  const start = opts.startMs ?? Date.UTC(2026, 10, 25, 10, 14, 0, 0);
  const prefix = opts.idPrefix ?? '3719563921059184395026475827592619450264758275926194';
  if (opts.messageType === 'CONTROL_MESSAGE') {
    // As CloudWatch Logs sends it: no log group, stream, filter or log event id.
    return Buffer.from(cloudWatchControlMessage(start, messages[0]));
  }
  return gzipSync(
    JSON.stringify({
      messageType: opts.messageType ?? 'DATA_MESSAGE',
      owner: '000000000000',
      logGroup: opts.logGroup ?? '/aws/lambda/checkout',
      logStream: '2026/11/25/[$LATEST]0f4c3b2a1d9e8f7a6b5c4d3e2f1a0b9c',
      subscriptionFilters: ['to-firehose'],
      logEvents: messages.map((message, i) => ({
        id: `${prefix}${String(i).padStart(4, '0')}`,
        timestamp: start + i,
        message,
      })),
    }),
  );
}

/** Decodes an output record's data back to text. */
export function textOf(data: string): string {
  return Buffer.from(data, 'base64').toString('utf8');
}
