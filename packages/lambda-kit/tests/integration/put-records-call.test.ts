import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { connectLocalAws, type FaultProxy, startFaultProxy } from '@streamlens/local-aws';
import { createPutRecordsCall, putRecordsWith } from '../../src/kinesis/index.js';

const aws = connectLocalAws();
const stream = `lambda-kit-call-${randomUUID().slice(0, 8)}`;
let proxy: FaultProxy | undefined;

beforeAll(async () => {
  await aws.createResources({ streams: [{ name: stream, shardCount: 2 }] });
});

afterEach(async () => {
  await proxy?.stop();
  proxy = undefined;
});

afterAll(() => aws.close());

const fast = { baseDelayMs: 1, maxDelayMs: 5 };

describe('createPutRecordsCall against kinesalite', () => {
  it('writes 700 records in two calls, each stored once with its partition key (endpoint from the environment)', async () => {
    // Prepare
    const call = createPutRecordsCall();
    const entries = Array.from({ length: 700 }, (_, i) => ({
      PartitionKey: `series-${i % 37}`,
      Data: Buffer.from(JSON.stringify({ i, text: 'é' })),
    }));
    // Act
    const { failed } = await putRecordsWith(call, stream, entries, fast);
    // Assess
    expect(failed).toEqual([]);
    const stored = await aws.readStream(stream);
    const got = stored.map((r) => `${r.partitionKey}|${Buffer.from(r.data).toString()}`).sort();
    expect(got).toEqual(entries.map((e) => `${e.PartitionKey}|${e.Data.toString()}`).sort());
    expect(new Set(stored.map((r) => r.shardId)).size).toBe(2);
  });

  it('retries a throttled call and partial failures, writing every record exactly once', async () => {
    // Prepare
    proxy = await startFaultProxy({
      target: aws.endpoints.kinesis!,
      rules: [
        {
          kind: 'error',
          operation: 'PutRecords',
          status: 400,
          errorType: 'ProvisionedThroughputExceededException',
          times: 1,
        },
        { kind: 'putRecordsPartialFailure', entries: [1, 4, 7], times: 2 },
      ],
    });
    const before = (await aws.readStream(stream)).length;
    const call = createPutRecordsCall({ endpoint: proxy.endpoint });
    const entries = Array.from({ length: 10 }, (_, i) => ({
      PartitionKey: `pk-${i}`,
      Data: Buffer.from(`retried-${i}`),
    }));
    // Act
    const { failed } = await putRecordsWith(call, stream, entries, fast);
    // Assess
    expect(failed).toEqual([]);
    expect(proxy.injections.length).toBeGreaterThanOrEqual(2);
    const stored = (await aws.readStream(stream)).slice(0);
    const retried = stored
      .map((r) => Buffer.from(r.data).toString())
      .filter((d) => d.startsWith('retried-'))
      .sort();
    expect(retried).toEqual(entries.map((e) => e.Data.toString()).sort());
    expect(stored.length - before).toBe(10);
  });

  it('reports a missing stream without retrying', async () => {
    // Prepare
    const call = createPutRecordsCall();
    // Act
    const { failed } = await putRecordsWith(
      call,
      `${stream}-missing`,
      [{ PartitionKey: 'a', Data: Buffer.from('x') }],
      fast,
    );
    // Assess
    expect(failed.map((f) => f.code)).toEqual(['ResourceNotFoundException']);
  });
});
