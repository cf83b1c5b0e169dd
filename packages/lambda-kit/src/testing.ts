import type { Context, KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';

/**
 * Test factories for Lambda event shapes, shared by every package's and service's tests
 * (`@streamlens/lambda-kit/testing`), so the Kinesis record and context shapes are written once.
 *
 * @example
 * const event = kinesisEvent([kinesisRecord('shardId-000000000000', '1', { id: 'a' })]);
 * await handler(event, lambdaContext('streamlens-x-dev-fn'));
 */

export interface KinesisRecordOptions {
  readonly partitionKey?: string;
  /** `approximateArrivalTimestamp`, in seconds as Lambda gives it. */
  readonly arrivalSeconds?: number;
  readonly streamArn?: string;
  readonly roleArn?: string;
}

export const TEST_STREAM_ARN =
  'arn:aws:kinesis:us-east-1:000000000000:stream/streamlens-dev-events';

/** One Kinesis event record; `data`: bytes as they are, a string as UTF-8, anything else as JSON. */
export function kinesisRecord(
  shardId: string,
  sequenceNumber: string,
  data: unknown,
  opts: KinesisRecordOptions = {},
): KinesisStreamRecord {
  const bytes =
    data instanceof Uint8Array
      ? Buffer.from(data)
      : Buffer.from(typeof data === 'string' ? data : JSON.stringify(data), 'utf8');
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
    invokeIdentityArn: opts.roleArn ?? 'arn:aws:iam::000000000000:role/test',
    awsRegion: 'us-east-1',
    eventSourceARN: opts.streamArn ?? TEST_STREAM_ARN,
  };
}

/** A Kinesis stream event. */
export function kinesisEvent(records: KinesisStreamRecord[]): KinesisStreamEvent {
  return { Records: records };
}

/** A Lambda context for `functionName` with `ms` left before its timeout. */
export function lambdaContext(functionName: string, ms = 60_000): Context {
  const end = Date.now() + ms;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId: `req-${Math.random().toString(16).slice(2)}`,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, end - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** Values that `stubEnv` replaced, oldest first per name, so `restoreEnv` puts the first back. */
const stubbedEnv = new Map<string, string | undefined>();

/**
 * Set an environment variable for the current test; `restoreEnv()` (in `afterEach`) undoes every
 * stub since the last restore. The first value seen for a name is the one restored.
 *
 * @example
 * afterEach(restoreEnv);
 * it('reads the region', () => { stubEnv('AWS_REGION', 'eu-west-1'); ... });
 */
export function stubEnv(name: string, value: string): void {
  if (!stubbedEnv.has(name)) stubbedEnv.set(name, process.env[name]);
  process.env[name] = value;
}

/** Undo every `stubEnv` since the last call: the earlier value back, or the variable unset. */
export function restoreEnv(): void {
  for (const [name, value] of stubbedEnv) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  stubbedEnv.clear();
}
