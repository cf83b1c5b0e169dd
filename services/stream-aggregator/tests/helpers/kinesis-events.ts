import {
  kinesisEvent,
  lambdaContext as sharedContext,
  kinesisRecord as sharedRecord,
} from '@streamlens/lambda-kit/testing';
import type { Context, KinesisStreamRecord } from 'aws-lambda';

/** A `telemetry.reading` CloudEvent. */
export function telemetry(
  id: string,
  metric: string,
  value: number,
  time: string,
  dimensions?: Record<string, string>,
) {
  return {
    specversion: '1.0',
    id,
    source: 'tests/stream-aggregator',
    type: 'telemetry.reading',
    time,
    data: { metric, value, ...(dimensions ? { dimensions } : {}) },
  };
}

/** An `app.log` CloudEvent. */
export function appLog(id: string, service: string, level: string, time: string) {
  return {
    specversion: '1.0',
    id,
    source: 'tests/stream-aggregator',
    type: 'app.log',
    time,
    data: { level, message: `log ${id}`, service },
  };
}

/** One Kinesis event record (data: object → JSON, string → as is, bytes → raw). */
export function kinesisRecord(
  shardId: string,
  sequenceNumber: string,
  data: unknown,
  partitionKey = 'pk',
  streamArn = 'arn:aws:kinesis:us-east-1:000000000000:stream/streamlens-dev-events',
): KinesisStreamRecord {
  return sharedRecord(shardId, sequenceNumber, data, {
    partitionKey,
    streamArn,
    roleArn: 'arn:aws:iam::000000000000:role/streamlens-stream-aggregator',
  });
}

export { kinesisEvent };

/** A Lambda context with `ms` left. */
export function lambdaContext(ms = 60_000): Context {
  return sharedContext('streamlens-stream-aggregator-dev-aggregate', ms);
}
