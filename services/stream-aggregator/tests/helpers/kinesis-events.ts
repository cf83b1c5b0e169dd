import type { Context, KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';

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
  const bytes =
    data instanceof Uint8Array
      ? Buffer.from(data)
      : Buffer.from(typeof data === 'string' ? data : JSON.stringify(data));
  return {
    kinesis: {
      kinesisSchemaVersion: '1.0',
      partitionKey,
      sequenceNumber,
      data: bytes.toString('base64'),
      approximateArrivalTimestamp: 1_764_072_000.5,
    },
    eventSource: 'aws:kinesis',
    eventVersion: '1.0',
    eventID: `${shardId}:${sequenceNumber}`,
    eventName: 'aws:kinesis:record',
    invokeIdentityArn: 'arn:aws:iam::000000000000:role/streamlens-stream-aggregator',
    awsRegion: 'us-east-1',
    eventSourceARN: streamArn,
  };
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
    functionName: 'streamlens-stream-aggregator-dev-aggregate',
    functionVersion: '$LATEST',
    invokedFunctionArn:
      'arn:aws:lambda:us-east-1:000000000000:function:streamlens-stream-aggregator-dev-aggregate',
    memoryLimitInMB: '512',
    awsRequestId: `req-${Math.random().toString(16).slice(2)}`,
    logGroupName: '/aws/lambda/streamlens-stream-aggregator-dev-aggregate',
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, end - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
