import {
  lambdaContext as sharedContext,
  kinesisRecord as sharedRecord,
} from '@streamlens/lambda-kit/testing';
import type { Context, KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';

export const STREAM_ARN = 'arn:aws:kinesis:us-east-1:000000000000:stream/streamlens-dev-events';

/** One Kinesis event record (data: object → JSON, string → as is). */
export function kinesisRecord(
  shardId: string,
  sequenceNumber: string,
  data: unknown,
): KinesisStreamRecord {
  return sharedRecord(shardId, sequenceNumber, data, {
    streamArn: STREAM_ARN,
    roleArn: 'arn:aws:iam::000000000000:role/streamlens-opensearch-indexer',
  });
}

/** A Kinesis event of `items` spread round-robin over `shards` shards, sequence numbers increasing. */
export function kinesisEventOf(items: readonly unknown[], shards = 1): KinesisStreamEvent {
  return {
    Records: items.map((data, i) =>
      kinesisRecord(
        `shardId-${String(i % shards).padStart(12, '0')}`,
        String(49_000_000_000n + BigInt(i)),
        data,
      ),
    ),
  };
}

/** A Lambda context with `ms` left. */
export function lambdaContext(ms = 60_000): Context {
  return sharedContext('streamlens-opensearch-indexer-dev-index', ms);
}
