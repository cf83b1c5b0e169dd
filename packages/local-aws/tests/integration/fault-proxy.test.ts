import { randomUUID } from 'node:crypto';
import {
  BatchWriteItemCommand,
  DynamoDBClient,
  PutItemCommand,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import {
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import {
  clientOptions,
  connectLocalAws,
  type FaultProxy,
  type FaultRule,
  startFaultProxy,
} from '../../src/index.js';

const aws = connectLocalAws();
const id = randomUUID().slice(0, 8);
const stream = `fault-proxy-${id}`;
const tableA = `fault-proxy-a-${id}`;
const tableB = `fault-proxy-b-${id}`;
const bucket = `fault-proxy-${id}`;
const keyTable = (TableName: string) => ({
  TableName,
  KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' as const }],
  AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' as const }],
  BillingMode: 'PAY_PER_REQUEST' as const,
});

let proxy: FaultProxy | undefined;

type AwsError = { name: string; $metadata?: { httpStatusCode?: number } };

/** The error a call failed with; fails the test when the call succeeded. */
async function rejection(call: Promise<unknown>): Promise<AwsError> {
  try {
    await call;
  } catch (error) {
    return error as AwsError;
  }
  throw new Error('expected the call to fail');
}

async function proxyFor(target: string, rules: FaultRule[], seed?: number): Promise<FaultProxy> {
  proxy = await startFaultProxy({ target, rules, ...(seed === undefined ? {} : { seed }) });
  return proxy;
}

// maxAttempts 1: these tests look at what AWS answers, not at the SDK's own retries.
const kinesisVia = (endpoint: string, maxAttempts = 1) =>
  new KinesisClient({ ...clientOptions(aws.env, 'kinesis'), endpoint, maxAttempts });
const dynamodbVia = (endpoint: string, maxAttempts = 1) =>
  new DynamoDBClient({ ...clientOptions(aws.env, 'dynamodb'), endpoint, maxAttempts });
const s3Via = (endpoint: string) =>
  new S3Client({ ...clientOptions(aws.env, 's3'), endpoint, forcePathStyle: true, maxAttempts: 1 });

const entries = (n: number, tag: string) =>
  Array.from({ length: n }, (_, i) => ({
    PartitionKey: `${tag}-${i}`,
    Data: Buffer.from(`${tag}-${i}`),
  }));

beforeAll(async () => {
  await aws.createResources({
    streams: [{ name: stream, shardCount: 2 }],
    tables: [keyTable(tableA), keyTable(tableB)],
    buckets: [bucket],
  });
});

afterEach(async () => {
  await proxy?.stop();
  proxy = undefined;
});

afterAll(() => aws.close());

describe('fault proxy in front of kinesalite', () => {
  it('fails chosen PutRecords entries with HTTP 200 and really drops them', async () => {
    // Prepare
    const p = await proxyFor(aws.endpoints.kinesis ?? '', [
      {
        kind: 'putRecordsPartialFailure',
        entries: [1, 3],
        errorCode: ['ProvisionedThroughputExceededException', 'InternalFailure'],
        times: 1,
      },
    ]);
    const kinesis = kinesisVia(p.endpoint);
    const before = (await aws.readStream(stream)).length;

    // Act
    const out = await kinesis.send(
      new PutRecordsCommand({ StreamName: stream, Records: entries(5, 'partial') }),
    );
    kinesis.destroy();

    // Assess
    expect(out.FailedRecordCount).toBe(2);
    expect(out.Records?.map((r) => r.ErrorCode ?? 'ok')).toEqual([
      'ok',
      'ProvisionedThroughputExceededException',
      'ok',
      'InternalFailure',
      'ok',
    ]);
    expect(out.Records?.[0]?.SequenceNumber).toMatch(/^\d+$/);
    const written = (await aws.readStream(stream))
      .slice(before)
      .map((r) => Buffer.from(r.data).toString());
    expect(written.sort()).toEqual(['partial-0', 'partial-2', 'partial-4']);
    expect(p.stats()).toMatchObject({
      failedEntries: 2,
      injected: { 'putRecordsPartialFailure#0': 1 },
    });
    expect(p.injections[0]?.positions).toEqual([1, 3]);
  });

  it('picks the same entries for the same seed', async () => {
    // Prepare
    const rules: FaultRule[] = [{ kind: 'putRecordsPartialFailure', entryProbability: 0.4 }];
    const run = async (seed: number) => {
      const p = await proxyFor(aws.endpoints.kinesis ?? '', rules, seed);
      const kinesis = kinesisVia(p.endpoint);
      const out = await kinesis.send(
        new PutRecordsCommand({ StreamName: stream, Records: entries(30, `seed${seed}`) }),
      );
      kinesis.destroy();
      await p.stop();
      return out.Records?.flatMap((r, i) => (r.ErrorCode ? [i] : [])) ?? [];
    };

    // Act
    const first = await run(42);
    const second = await run(42);

    // Assess
    expect(first.length).toBeGreaterThan(0);
    expect(first.length).toBeLessThan(30);
    expect(second).toEqual(first);
  });

  it('throttles a call with the JSON __type the SDK recognises, then lets it through', async () => {
    // Prepare
    const p = await proxyFor(aws.endpoints.kinesis ?? '', [
      {
        kind: 'error',
        operation: 'PutRecords',
        status: 400,
        errorType: 'ProvisionedThroughputExceededException',
        times: 1,
      },
    ]);
    const kinesis = kinesisVia(p.endpoint);
    const send = () =>
      kinesis.send(new PutRecordsCommand({ StreamName: stream, Records: entries(1, 'throttle') }));

    // Act
    const first = await rejection(send());
    const second = await send();
    kinesis.destroy();

    // Assess
    expect(first).toMatchObject({
      name: 'ProvisionedThroughputExceededException',
      $metadata: { httpStatusCode: 400 },
    });
    expect(second.FailedRecordCount).toBe(0);
    expect(p.stats()).toMatchObject({ requests: 2, errors: 1, byOperation: { PutRecords: 2 } });
  });

  it('is retried transparently by the SDK default retry strategy', async () => {
    // Prepare
    const p = await proxyFor(aws.endpoints.kinesis ?? '', [
      {
        kind: 'error',
        operation: 'PutRecords',
        status: 400,
        errorType: 'ProvisionedThroughputExceededException',
        times: 2,
      },
    ]);
    const kinesis = kinesisVia(p.endpoint, 3);

    // Act
    const out = await kinesis.send(
      new PutRecordsCommand({ StreamName: stream, Records: entries(1, 'sdk-retry') }),
    );
    kinesis.destroy();

    // Assess
    expect(out.FailedRecordCount).toBe(0);
    expect(out.$metadata.attempts).toBe(3);
    expect(p.stats().requests).toBe(3);
  });
});

describe('fault proxy in front of DynamoDB', () => {
  const put = (pk: string): WriteRequest => ({ PutRequest: { Item: { pk: { S: pk } } } });

  it('returns chosen BatchWriteItem requests as UnprocessedItems and does not write them', async () => {
    // Prepare
    const p = await proxyFor(aws.endpoints.dynamodb ?? '', [
      { kind: 'batchWriteUnprocessed', items: [1, 2] },
    ]);
    const dynamodb = dynamodbVia(p.endpoint);

    // Act
    const out = await dynamodb.send(
      new BatchWriteItemCommand({
        RequestItems: { [tableA]: [put('a1'), put('a2')], [tableB]: [put('b1'), put('b2')] },
      }),
    );
    dynamodb.destroy();

    // Assess
    expect(out.UnprocessedItems).toEqual({ [tableA]: [put('a2')], [tableB]: [put('b1')] });
    const inA = (await aws.scanTable(tableA)).map((item) => item.pk?.S);
    const inB = (await aws.scanTable(tableB)).map((item) => item.pk?.S);
    expect(inA).toEqual(['a1']);
    expect(inB).toEqual(['b2']);
    expect(p.stats().unprocessedItems).toBe(2);
  });

  it('answers ProvisionedThroughputExceededException when no item at all is processed', async () => {
    // Prepare
    const p = await proxyFor(aws.endpoints.dynamodb ?? '', [
      { kind: 'batchWriteUnprocessed', itemProbability: 1 },
    ]);
    const dynamodb = dynamodbVia(p.endpoint);

    // Act
    const error = await rejection(
      dynamodb.send(new BatchWriteItemCommand({ RequestItems: { [tableA]: [put('none-1')] } })),
    );
    dynamodb.destroy();

    // Assess
    expect(error.name).toBe('ProvisionedThroughputExceededException');
    expect((await aws.scanTable(tableA)).map((item) => item.pk?.S)).not.toContain('none-1');
  });

  it('throttles PutItem with ThrottlingException', async () => {
    // Prepare
    const p = await proxyFor(aws.endpoints.dynamodb ?? '', [
      { kind: 'error', operation: 'PutItem', status: 400, errorType: 'ThrottlingException' },
    ]);
    const dynamodb = dynamodbVia(p.endpoint);

    // Act
    const error = await rejection(
      dynamodb.send(new PutItemCommand({ TableName: tableA, Item: { pk: { S: 'throttled' } } })),
    );
    dynamodb.destroy();

    // Assess
    expect(error.name).toBe('ThrottlingException');
    expect(p.stats().errors).toBe(1);
  });
});

describe('fault proxy in front of s3rver', () => {
  it('answers 503 SlowDown on chosen operations and forwards the rest', async () => {
    // Prepare
    const p = await proxyFor(aws.endpoints.s3 ?? '', [
      {
        kind: 'error',
        operation: 'PutObject',
        status: 503,
        errorType: 'SlowDown',
        skip: 1,
        times: 1,
      },
      { kind: 'error', operation: 'GetObject', status: 500, errorType: 'InternalError' },
    ]);
    const s3 = s3Via(p.endpoint);
    const putObject = (Key: string) =>
      s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body: Key }));

    // Act
    await putObject('ok-1');
    const slowDown = await rejection(putObject('slow'));
    await putObject('ok-2');
    const internal = await rejection(
      s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'ok-1' })),
    );
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
    s3.destroy();

    // Assess
    expect(slowDown).toMatchObject({ name: 'SlowDown', $metadata: { httpStatusCode: 503 } });
    expect(internal).toMatchObject({ name: 'InternalError', $metadata: { httpStatusCode: 500 } });
    expect(listed.Contents?.map((o) => o.Key)).toEqual(['ok-1', 'ok-2']);
    expect(p.stats().byOperation).toMatchObject({ PutObject: 3, GetObject: 1, ListObjectsV2: 1 });
  });
});
