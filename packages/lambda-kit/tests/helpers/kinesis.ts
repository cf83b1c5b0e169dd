import type { Context, KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import { kinesisRecord as sharedRecord } from '../../src/testing.js';

export const STREAM_ARN = 'arn:aws:kinesis:us-east-1:000000000000:stream/streamlens-test-events';

/** A Kinesis event record of `shardId` with `sequenceNumber` and `data` (string or bytes). */
export function kinesisRecord(
  shardId: string,
  sequenceNumber: string,
  data: string | Uint8Array = '{}',
  overrides: { partitionKey?: string; arrivalSeconds?: number; eventSourceARN?: string } = {},
): KinesisStreamRecord {
  return sharedRecord(shardId, sequenceNumber, data, {
    partitionKey: overrides.partitionKey ?? 'pk-1',
    arrivalSeconds: overrides.arrivalSeconds ?? 1_764_097_200.123,
    streamArn: overrides.eventSourceARN ?? STREAM_ARN,
  });
}

/** An event holding `records` in the given order. */
export function kinesisEvent(records: KinesisStreamRecord[]): KinesisStreamEvent {
  return { Records: records };
}

/** A 49-digit Kinesis-like sequence number, increasing with `n`. */
export function seq(n: number): string {
  return `4959${String(n).padStart(45, '0')}`;
}

/** A Lambda context with `remainingMs` left. */
export function lambdaContext(remainingMs = 30_000): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'streamlens-test-fn',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:streamlens-test-fn',
    memoryLimitInMB: '256',
    awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
    logGroupName: '/aws/lambda/streamlens-test-fn',
    logStreamName: '2026/11/25/[$LATEST]abc',
    getRemainingTimeInMillis: () => remainingMs,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** A sleep that records requested delays and returns at once. */
export function recordingSleep(): { sleep: (ms: number) => Promise<void>; delays: number[] } {
  const delays: number[] = [];
  return {
    delays,
    sleep: async (ms: number) => {
      delays.push(ms);
    },
  };
}
