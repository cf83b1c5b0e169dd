import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { connectLocalAws, type FaultProxy, startFaultProxy } from '@streamlens/local-aws';
import { aggregate } from '@streamlens/schema';
import { batchWriteReliably } from '../../src/dynamodb.js';
import { clientConfig } from '../../src/index.js';
import {
  createKinesisClient,
  decodeKinesisEvent,
  putRecordsReliably,
} from '../../src/kinesis/index.js';
import { kinesisEvent, kinesisRecord } from '../helpers/kinesis.js';

const aws = connectLocalAws();
const id = randomUUID().slice(0, 8);
const stream = `lambda-kit-${id}`;
const kplStream = `lambda-kit-kpl-${id}`;
const table = `lambda-kit-${id}`;
let proxy: FaultProxy | undefined;

beforeAll(async () => {
  await aws.createResources({
    streams: [
      { name: stream, shardCount: 2 },
      { name: kplStream, shardCount: 1 },
    ],
    tables: [
      {
        TableName: table,
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
      },
    ],
  });
});

afterEach(async () => {
  await proxy?.stop();
  proxy = undefined;
});

afterAll(() => {
  aws.close();
});

const fast = { baseDelayMs: 1, maxDelayMs: 5 };

describe('sinks against the local stand-ins', () => {
  it('putRecordsReliably writes every record exactly once despite partial PutRecords failures', async () => {
    // Prepare
    proxy = await startFaultProxy({
      target: aws.endpoints.kinesis!,
      rules: [{ kind: 'putRecordsPartialFailure', entries: [1, 4, 7], times: 2 }],
    });
    const kinesis = new KinesisClient(clientConfig({ endpoint: proxy.endpoint }));
    const entries = Array.from({ length: 10 }, (_, i) => ({
      PartitionKey: `pk-${i}`,
      Data: Buffer.from(`record-${i}`),
    }));
    // Act
    const { failed } = await putRecordsReliably(kinesis, stream, entries, fast);
    // Assess
    expect(failed).toEqual([]);
    expect(proxy.injections.length).toBeGreaterThan(0);
    const stored = await aws.readStream(stream);
    const bodies = stored.map((r) => Buffer.from(r.data).toString()).sort();
    expect(bodies).toEqual(entries.map((e) => e.Data.toString()).sort());
    kinesis.destroy();
  });

  it('reaches kinesalite through AWS_ENDPOINT_URL_KINESIS with the HTTP/1 handler, and de-aggregates what it reads', async () => {
    // Prepare
    const kinesis = createKinesisClient();
    const aggregated = aggregate([
      { partitionKey: 'a', data: Buffer.from('one') },
      { partitionKey: 'b', data: Buffer.from('two') },
    ]);
    // Act
    const { failed } = await putRecordsReliably(kinesis, kplStream, [
      { PartitionKey: 'a', Data: aggregated },
    ]);
    const [stored] = await aws.readStream(kplStream);
    const { records, failures } = decodeKinesisEvent(
      kinesisEvent([kinesisRecord('shardId-000000000000', stored!.sequenceNumber, stored!.data)]),
    );
    // Assess
    expect(failed).toEqual([]);
    expect(failures).toEqual([]);
    expect(records.map((r) => [Buffer.from(r.data).toString(), r.subSequenceNumber])).toEqual([
      ['one', 0],
      ['two', 1],
    ]);
    kinesis.destroy();
  });

  it('batchWriteReliably applies every write despite UnprocessedItems', async () => {
    // Prepare
    proxy = await startFaultProxy({
      target: aws.endpoints.dynamodb!,
      rules: [{ kind: 'batchWriteUnprocessed', items: [0, 3, 20], times: 2 }],
    });
    const doc = DynamoDBDocumentClient.from(
      new DynamoDBClient(clientConfig({ endpoint: proxy.endpoint })),
    );
    const requests = Array.from({ length: 30 }, (_, i) => ({
      PutRequest: { Item: { pk: `e#${i}`, n: i } },
    }));
    // Act
    const { unprocessed } = await batchWriteReliably(doc, table, requests, {
      ...fast,
      concurrency: 1,
    });
    // Assess
    expect(unprocessed).toEqual([]);
    expect(proxy.injections.length).toBeGreaterThan(0);
    const items = await aws.scanTable(table);
    expect(items.map((item) => item.pk?.S).sort()).toEqual(
      requests.map((r) => r.PutRequest.Item.pk).sort(),
    );
    doc.destroy();
  });
});
