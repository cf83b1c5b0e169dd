import {
  FirehoseClient,
  PutRecordBatchCommand,
  ServiceUnavailableException,
} from '@aws-sdk/client-firehose';
import { afterEach, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { PUT_RECORD_BATCH_LIMITS, putRecordBatchReliably } from '../../src/firehose.js';
import { recordingSleep } from '../helpers/kinesis.js';

const firehoseMock = mockClient(FirehoseClient);
const client = new FirehoseClient({ region: 'us-east-1' });

afterEach(() => {
  firehoseMock.reset();
});

const rec = (i: number, bytes = 8) => ({ Data: new Uint8Array(bytes).fill(i) });

describe('putRecordBatchReliably', () => {
  it('retries only the failed records and a call that hit ServiceUnavailable', async () => {
    // Prepare
    firehoseMock
      .on(PutRecordBatchCommand)
      .rejectsOnce(new ServiceUnavailableException({ message: 'busy', $metadata: {} }))
      .resolvesOnce({
        FailedPutCount: 1,
        RequestResponses: [
          { RecordId: 'a' },
          { ErrorCode: 'ServiceUnavailableException', ErrorMessage: 'x' },
        ],
      })
      .resolves({ FailedPutCount: 0, RequestResponses: [{ RecordId: 'b' }] });
    const { sleep, delays } = recordingSleep();
    // Act
    const result = await putRecordBatchReliably(client, 'lake', [rec(1), rec(2)], { sleep });
    // Assess
    expect(result.failed).toEqual([]);
    const calls = firehoseMock.commandCalls(PutRecordBatchCommand);
    expect(calls.map((c) => c.args[0].input.Records!.length)).toEqual([2, 2, 1]);
    expect(calls[2]!.args[0].input.Records).toEqual([rec(2)]);
    expect(calls[0]!.args[0].input.DeliveryStreamName).toBe('lake');
    expect(delays).toHaveLength(2);
  });

  it('splits at 500 records and 4 MiB and refuses records over 1,000 KiB', async () => {
    // Prepare
    firehoseMock.on(PutRecordBatchCommand).resolves({ FailedPutCount: 0 });
    const many = Array.from({ length: 501 }, (_, i) => rec(i % 200));
    const big = Array.from({ length: 5 }, () => ({
      Data: new Uint8Array(PUT_RECORD_BATCH_LIMITS.maxRecordBytes),
    }));
    const tooBig = { Data: new Uint8Array(PUT_RECORD_BATCH_LIMITS.maxRecordBytes + 1) };
    // Act
    await putRecordBatchReliably(client, 'lake', many);
    const result = await putRecordBatchReliably(client, 'lake', [...big, tooBig]);
    // Assess
    const counts = firehoseMock
      .commandCalls(PutRecordBatchCommand)
      .map((c) => c.args[0].input.Records!.length);
    expect(counts).toEqual([500, 1, 4, 1]);
    expect(result.failed.map((f) => [f.entry, f.code])).toEqual([[tooBig, 'EntryTooLarge']]);
  });

  it('returns records still failing after maxAttempts', async () => {
    // Prepare
    firehoseMock.on(PutRecordBatchCommand).resolves({
      FailedPutCount: 1,
      RequestResponses: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'no' }],
    });
    const { sleep } = recordingSleep();
    // Act
    const result = await putRecordBatchReliably(client, 'lake', [rec(1)], {
      sleep,
      maxAttempts: 3,
    });
    // Assess
    expect(result.failed).toEqual([{ entry: rec(1), code: 'InternalFailure', message: 'no' }]);
    expect(firehoseMock.commandCalls(PutRecordBatchCommand)).toHaveLength(3);
  });
});
