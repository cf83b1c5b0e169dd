import type { Context, KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';

export const STREAM_ARN = 'arn:aws:kinesis:us-east-1:000000000000:stream/streamlens-dev-events';

/** One Kinesis event record (data: object → JSON, string → as is, bytes → raw). */
export function kinesisRecord(
  shardId: string,
  sequenceNumber: string,
  data: unknown,
  opts: { partitionKey?: string; arrivalSeconds?: number; streamArn?: string } = {},
): KinesisStreamRecord {
  const bytes =
    data instanceof Uint8Array
      ? Buffer.from(data)
      : Buffer.from(typeof data === 'string' ? data : JSON.stringify(data));
  return {
    kinesis: {
      kinesisSchemaVersion: '1.0',
      partitionKey: opts.partitionKey ?? 'pk',
      sequenceNumber,
      data: bytes.toString('base64'),
      approximateArrivalTimestamp: opts.arrivalSeconds ?? 1_764_072_000.5,
    },
    eventSource: 'aws:kinesis',
    eventVersion: '1.0',
    eventID: `${shardId}:${sequenceNumber}`,
    eventName: 'aws:kinesis:record',
    invokeIdentityArn: 'arn:aws:iam::000000000000:role/streamlens-dynamodb-indexer',
    awsRegion: 'us-east-1',
    eventSourceARN: opts.streamArn ?? STREAM_ARN,
  };
}

let seq = 0n;
/** A growing 56-digit Kinesis-like sequence number. */
export function nextSequenceNumber(): string {
  seq += 1n;
  return (
    49_000_000_000_000_000_000_000_000_000_000_000_000_000_000_000_000_000_000n + seq
  ).toString();
}

/** A Kinesis stream event. */
export function kinesisEvent(records: KinesisStreamRecord[]): KinesisStreamEvent {
  return { Records: records };
}

/** A Lambda context with `ms` left. */
export function lambdaContext(ms = 60_000): Context {
  const end = Date.now() + ms;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'streamlens-dynamodb-indexer-dev-index',
    functionVersion: '$LATEST',
    invokedFunctionArn:
      'arn:aws:lambda:us-east-1:000000000000:function:streamlens-dynamodb-indexer-dev-index',
    memoryLimitInMB: '512',
    awsRequestId: `req-${Math.random().toString(16).slice(2)}`,
    logGroupName: '/aws/lambda/streamlens-dynamodb-indexer-dev-index',
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, end - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
