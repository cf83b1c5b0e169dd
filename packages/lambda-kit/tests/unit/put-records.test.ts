import {
  KinesisClient,
  ProvisionedThroughputExceededException,
  PutRecordsCommand,
  type PutRecordsRequestEntry,
  ResourceNotFoundException,
} from '@aws-sdk/client-kinesis';
import { afterEach, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { PUT_RECORDS_LIMITS, putRecordsReliably } from '../../src/kinesis/index.js';
import { recordingSleep } from '../helpers/kinesis.js';

const kinesisMock = mockClient(KinesisClient);
const client = new KinesisClient({ region: 'us-east-1' });

afterEach(() => {
  kinesisMock.reset();
});

const entry = (i: number, bytes = 10): PutRecordsRequestEntry => ({
  PartitionKey: `pk-${i}`,
  Data: new Uint8Array(bytes).fill(i % 256),
});

const sentKeys = (call: number) =>
  (kinesisMock.commandCalls(PutRecordsCommand)[call]!.args[0].input.Records ?? []).map(
    (r) => r.PartitionKey,
  );

describe('putRecordsReliably', () => {
  it('retries only the records that failed, until they succeed', async () => {
    // Prepare
    kinesisMock
      .on(PutRecordsCommand)
      .resolvesOnce({
        FailedRecordCount: 2,
        Records: [
          { SequenceNumber: '1', ShardId: 's' },
          { ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'slow down' },
          { SequenceNumber: '3', ShardId: 's' },
          { ErrorCode: 'InternalFailure', ErrorMessage: 'oops' },
        ],
      })
      .resolves({
        FailedRecordCount: 0,
        Records: [{ SequenceNumber: '9' }, { SequenceNumber: '10' }],
      });
    const { sleep, delays } = recordingSleep();
    // Act
    const result = await putRecordsReliably(
      client,
      'events',
      [0, 1, 2, 3].map((i) => entry(i)),
      { sleep },
    );
    // Assess
    expect(result.failed).toEqual([]);
    expect(sentKeys(0)).toEqual(['pk-0', 'pk-1', 'pk-2', 'pk-3']);
    expect(sentKeys(1)).toEqual(['pk-1', 'pk-3']);
    expect(kinesisMock.commandCalls(PutRecordsCommand)[0]!.args[0].input.StreamName).toBe('events');
    expect(delays).toHaveLength(1);
  });

  it('returns the records still failing after maxAttempts with their error code', async () => {
    // Prepare
    kinesisMock.on(PutRecordsCommand).resolves({
      FailedRecordCount: 1,
      Records: [{ ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'slow down' }],
    });
    const { sleep } = recordingSleep();
    // Act
    const result = await putRecordsReliably(client, 'events', [entry(1)], {
      sleep,
      maxAttempts: 3,
    });
    // Assess
    expect(kinesisMock.commandCalls(PutRecordsCommand)).toHaveLength(3);
    expect(result.failed).toEqual([
      { entry: entry(1), code: 'ProvisionedThroughputExceededException', message: 'slow down' },
    ]);
  });

  it('retries a throttled call and gives up on a non-retryable one', async () => {
    // Prepare
    kinesisMock
      .on(PutRecordsCommand)
      .rejectsOnce(
        new ProvisionedThroughputExceededException({ message: 'throttled', $metadata: {} }),
      )
      .resolvesOnce({ FailedRecordCount: 0, Records: [{ SequenceNumber: '1' }] })
      .rejects(new ResourceNotFoundException({ message: 'no stream', $metadata: {} }));
    const { sleep } = recordingSleep();
    // Act
    const first = await putRecordsReliably(client, 'events', [entry(1)], { sleep });
    const second = await putRecordsReliably(client, 'events', [entry(2)], { sleep });
    // Assess
    expect(first.failed).toEqual([]);
    expect(second.failed).toEqual([
      { entry: entry(2), code: 'ResourceNotFoundException', message: 'no stream' },
    ]);
    expect(kinesisMock.commandCalls(PutRecordsCommand)).toHaveLength(3);
  });

  it('returns oversize records and bad partition keys as failed without sending them', async () => {
    // Prepare
    kinesisMock
      .on(PutRecordsCommand)
      .resolves({ FailedRecordCount: 0, Records: [{ SequenceNumber: '1' }] });
    const justFits = {
      PartitionKey: 'k',
      Data: new Uint8Array(PUT_RECORDS_LIMITS.maxRecordBytes - 1),
    };
    const tooBig = {
      PartitionKey: 'kk',
      Data: new Uint8Array(PUT_RECORDS_LIMITS.maxRecordBytes - 1),
    };
    const noKey = { PartitionKey: '', Data: new Uint8Array(1) };
    const longKey = { PartitionKey: 'x'.repeat(257), Data: new Uint8Array(1) };
    // Act
    const result = await putRecordsReliably(client, 'events', [justFits, tooBig, noKey, longKey]);
    // Assess
    expect(result.failed.map((f) => [f.entry, f.code])).toEqual([
      [tooBig, 'EntryTooLarge'],
      [noKey, 'InvalidPartitionKey'],
      [longKey, 'InvalidPartitionKey'],
    ]);
    expect(sentKeys(0)).toEqual(['k']);
  });

  it('splits into calls of at most 500 records and 5 MiB including partition keys', async () => {
    // Prepare
    kinesisMock.on(PutRecordsCommand).callsFake((input: { Records: unknown[] }) => ({
      FailedRecordCount: 0,
      Records: input.Records.map(() => ({ SequenceNumber: '1' })),
    }));
    const small = Array.from({ length: 1_201 }, (_, i) => entry(i, 10));
    // 6 records of 1 MiB − 100 bytes: 5 fit in 5 MiB by data alone, but their keys push the 5th out.
    const big = Array.from({ length: 6 }, (_, i) => ({
      PartitionKey: 'k'.repeat(200) + i,
      Data: new Uint8Array(1024 * 1024 - 300),
    }));
    // Act
    await putRecordsReliably(client, 'events', small);
    const countsSmall = kinesisMock
      .commandCalls(PutRecordsCommand)
      .map((c) => c.args[0].input.Records!.length);
    kinesisMock.resetHistory();
    await putRecordsReliably(client, 'events', big);
    const bigCalls = kinesisMock
      .commandCalls(PutRecordsCommand)
      .map((c) => c.args[0].input.Records!);
    // Assess
    expect(countsSmall).toEqual([500, 500, 201]);
    for (const records of bigCalls) {
      const bytes = records.reduce((n, r) => n + r.Data!.byteLength + r.PartitionKey!.length, 0);
      expect(bytes).toBeLessThanOrEqual(PUT_RECORDS_LIMITS.maxRequestBytes);
    }
    expect(bigCalls.map((r) => r.length)).toEqual([5, 1]);
  });

  it('stops retrying at the deadline and returns what is left', async () => {
    // Prepare
    kinesisMock.on(PutRecordsCommand).resolves({
      FailedRecordCount: 1,
      Records: [{ ErrorCode: 'InternalFailure' }],
    });
    let clock = 0;
    // Act
    const result = await putRecordsReliably(client, 'events', [entry(1)], {
      now: () => clock,
      sleep: async (ms) => {
        clock += ms;
      },
      random: () => 0.99,
      baseDelayMs: 100,
      maxAttempts: 50,
      deadline: 350,
    });
    const late = await putRecordsReliably(client, 'events', [entry(2)], {
      now: () => 1_000,
      deadline: 999,
    });
    // Assess: sleeps of 99 and 198 ms fit before 350; the third (396) would not, so 3 attempts.
    expect(result.failed.map((f) => f.code)).toEqual(['InternalFailure']);
    expect(kinesisMock.commandCalls(PutRecordsCommand)).toHaveLength(3);
    expect(clock).toBe(297);
    expect(late.failed.map((f) => f.code)).toEqual(['DeadlineExceeded']);
  });
});
