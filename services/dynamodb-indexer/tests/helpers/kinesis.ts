import {
  kinesisEvent,
  lambdaContext as sharedContext,
  kinesisRecord as sharedRecord,
} from '@streamlens/lambda-kit/testing';
import type { Context, KinesisStreamRecord } from 'aws-lambda';

export const STREAM_ARN = 'arn:aws:kinesis:us-east-1:000000000000:stream/streamlens-dev-events';

/** One Kinesis event record (data: object → JSON, string → as is, bytes → raw). */
export function kinesisRecord(
  shardId: string,
  sequenceNumber: string,
  data: unknown,
  opts: { partitionKey?: string; arrivalSeconds?: number; streamArn?: string } = {},
): KinesisStreamRecord {
  return sharedRecord(shardId, sequenceNumber, data, {
    ...opts,
    streamArn: opts.streamArn ?? STREAM_ARN,
    roleArn: 'arn:aws:iam::000000000000:role/streamlens-dynamodb-indexer',
  });
}

let seq = 0n;
/** A growing 56-digit Kinesis-like sequence number. */
export function nextSequenceNumber(): string {
  seq += 1n;
  return (
    49_000_000_000_000_000_000_000_000_000_000_000_000_000_000_000_000_000_000n + seq
  ).toString();
}

export { kinesisEvent };

/** A Lambda context with `ms` left. */
export function lambdaContext(ms = 60_000): Context {
  return sharedContext('streamlens-dynamodb-indexer-dev-index', ms);
}
