import { afterAll, describe, expect, it, jest } from '@jest/globals';
import type { PutObjectRequest } from '@streamlens/lambda-kit/s3-put';
import { restoreEnv, stubEnv } from '@streamlens/lambda-kit/testing';
import { kinesisEvent, kinesisRecord, lambdaContext } from '../helpers/kinesis-events.js';

// The handler builds its clients when it loads: the DynamoDB client and the S3 putter are replaced
// before it is imported. The fake DynamoDB client holds invocation A's first call until invocation
// B has run, so the two invocations overlap in one container.
const SHARD_A = 'shardId-00000000000a';
const SHARD_B = 'shardId-00000000000b';
let releaseA: () => void = () => {};
const gateA = new Promise<void>((resolve) => {
  releaseA = resolve;
});
const puts: PutObjectRequest[] = [];
const actualDynamodb = await import('@streamlens/lambda-kit/dynamodb');
const actualS3Put = await import('@streamlens/lambda-kit/s3-put');
jest.unstable_mockModule('@streamlens/lambda-kit/dynamodb', () => ({
  ...actualDynamodb,
  createDocumentClient: () => ({
    send: async (command: { input: object }) => {
      if (JSON.stringify(command.input).includes(`D#${SHARD_A}`)) await gateA;
      return {};
    },
  }),
}));
jest.unstable_mockModule('@streamlens/lambda-kit/s3-put', () => ({
  ...actualS3Put,
  createObjectPut: () => async (request: PutObjectRequest) => {
    puts.push(request);
    return { etag: '"fake"', attempts: 1 };
  },
}));

stubEnv('AWS_REGION', 'us-east-1');
stubEnv('STATE_TABLE_NAME', 'state');
stubEnv('WINDOW_TABLE_NAME', 'windows');
stubEnv('AGGREGATES_STREAM_NAME', 'aggregates');
stubEnv('LAKE_BUCKET_NAME', 'lake');
stubEnv('DEADLINE_SAFETY_MS', '1000');
stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
stubEnv('POWERTOOLS_METRICS_DISABLED', 'true');
const { handler } = await import('../../src/handler.js');

afterAll(() => {
  restoreEnv();
});

describe('stream-aggregator handler deadlines', () => {
  it('gives each overlapping invocation its own deadline in its sink calls', async () => {
    // Prepare: one invalid record per shard (routed to the reject sink, which carries a deadline).
    const eventA = kinesisEvent([kinesisRecord(SHARD_A, '100', 'not json a')]);
    const eventB = kinesisEvent([kinesisRecord(SHARD_B, '200', 'not json b')]);
    const startedA = Date.now();
    // Act: A starts with 20 s left and waits on DynamoDB; B starts with 10 minutes left and ends.
    const a = handler(eventA, lambdaContext(20_000));
    const b = await handler(eventB, lambdaContext(600_000));
    releaseA();
    const outA = await a;
    // Assess
    expect(outA.batchItemFailures).toEqual([]);
    expect(b.batchItemFailures).toEqual([]);
    const deadlineOf = (shard: string) => puts.find((p) => p.key.includes(shard))?.deadline;
    const deadlineA = deadlineOf(SHARD_A);
    const deadlineB = deadlineOf(SHARD_B);
    expect(deadlineA).toBeGreaterThanOrEqual(startedA + 20_000 - 1000);
    expect(deadlineA).toBeLessThanOrEqual(Date.now() + 20_000 - 1000);
    expect(deadlineB).toBeGreaterThanOrEqual(startedA + 600_000 - 1000);
  });
});
