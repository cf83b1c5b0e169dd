import type { Context, KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';

export const STREAM_ARN = 'arn:aws:kinesis:us-east-1:000000000000:stream/streamlens-dev-events';

/** One Kinesis event record (data: object → JSON, string → as is). */
export function kinesisRecord(
  shardId: string,
  sequenceNumber: string,
  data: unknown,
): KinesisStreamRecord {
  const bytes = Buffer.from(typeof data === 'string' ? data : JSON.stringify(data));
  return {
    kinesis: {
      kinesisSchemaVersion: '1.0',
      partitionKey: 'pk',
      sequenceNumber,
      data: bytes.toString('base64'),
      approximateArrivalTimestamp: 1_764_072_000.5,
    },
    eventSource: 'aws:kinesis',
    eventVersion: '1.0',
    eventID: `${shardId}:${sequenceNumber}`,
    eventName: 'aws:kinesis:record',
    invokeIdentityArn: 'arn:aws:iam::000000000000:role/streamlens-opensearch-indexer',
    awsRegion: 'us-east-1',
    eventSourceARN: STREAM_ARN,
  };
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
  const end = Date.now() + ms;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'streamlens-opensearch-indexer-dev-index',
    functionVersion: '$LATEST',
    invokedFunctionArn:
      'arn:aws:lambda:us-east-1:000000000000:function:streamlens-opensearch-indexer-dev-index',
    memoryLimitInMB: '512',
    awsRequestId: `req-${Math.random().toString(16).slice(2)}`,
    logGroupName: '/aws/lambda/streamlens-opensearch-indexer-dev-index',
    logStreamName: 'local',
    getRemainingTimeInMillis: () => end - Date.now(),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
