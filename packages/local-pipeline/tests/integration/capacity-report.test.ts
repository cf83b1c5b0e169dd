import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { itemSizeBytes } from '@streamlens/lambda-kit/dynamodb';
import { clientOptions, connectLocalAws } from '@streamlens/local-aws';
import { CapacityMeter, formatCapacity } from '../../src/capacity-report.js';

// DynamoDB Local from the integration set-up; the meter stands between it and the clients.
const aws = connectLocalAws();
const table = `capacity-${randomUUID()}`;
const meter = new CapacityMeter();
const clients: DynamoDBClient[] = [];

async function docFor(service: string): Promise<DynamoDBDocumentClient> {
  const target = aws.endpoints.dynamodb as string;
  const endpoint = await meter.endpointFor(service, target);
  const client = new DynamoDBClient({ ...clientOptions(aws.env, 'dynamodb'), endpoint });
  clients.push(client);
  return DynamoDBDocumentClient.from(client);
}

beforeAll(async () => {
  await aws.createResources({
    tables: [
      {
        TableName: table,
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
          { AttributeName: 'g', AttributeType: 'S' },
        ],
        GlobalSecondaryIndexes: [
          {
            IndexName: 'byG',
            KeySchema: [{ AttributeName: 'g', KeyType: 'HASH' }],
            Projection: { ProjectionType: 'ALL' },
          },
        ],
        BillingMode: 'PAY_PER_REQUEST',
      },
    ],
  });
});

afterAll(async () => {
  for (const c of clients) c.destroy();
  await meter.close();
  aws.close();
});

describe('the capacity meter of pnpm start', () => {
  it('sums the units DynamoDB reports per service (indexes included) and charges each write to its partition key', async () => {
    // Prepare: a 1.5 KB item (2 write units), a batch of three small items under one key
    // (3 units), a consistent read (1 unit) and a query; another service writes one small item.
    const writer = await docFor('writer');
    const other = await docFor('other');
    const big = { pk: 'hot', sk: 'big', blob: 'x'.repeat(1500) };
    // Act
    await writer.send(new PutCommand({ TableName: table, Item: big }));
    await writer.send(
      new BatchWriteCommand({
        RequestItems: {
          [table]: ['a', 'b', 'c'].map((sk) => ({ PutRequest: { Item: { pk: 'warm', sk } } })),
        },
      }),
    );
    const got = await writer.send(
      new GetCommand({ TableName: table, Key: { pk: 'hot', sk: 'big' }, ConsistentRead: true }),
    );
    await writer.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'pk = :p',
        ExpressionAttributeValues: { ':p': 'warm' },
        ConsistentRead: true,
      }),
    );
    // Into the index too: 1 unit for the table and 1 for the index.
    await other.send(new PutCommand({ TableName: table, Item: { pk: 'cold', sk: '1', g: 'x' } }));
    const report = meter.report(500);
    // Assess: the clients still get their answers, and the units follow DynamoDB's rules.
    expect(got.Item?.blob).toBe(big.blob);
    expect(Math.ceil(itemSizeBytes(big) / 1024)).toBe(2);
    const w = report.find((r) => r.service === 'writer');
    expect(w).toMatchObject({ writeUnits: 5, readUnits: 2 });
    expect(w?.writeUnitsPer1000Events).toBeCloseTo(10, 9);
    expect(w?.hottestKey).toEqual({ table, key: 'warm', writeUnits: 3 });
    expect(w?.hottestKeyShare).toBeCloseTo(0.6, 9);
    expect(report.find((r) => r.service === 'other')).toMatchObject({
      writeUnits: 2,
      readUnits: 0,
      hottestKeyShare: 1,
    });
    expect(formatCapacity(report, 500)).toContain('| writer | 2.0 | 5.0 | 4.0 | 10.0 |');
  });
});
