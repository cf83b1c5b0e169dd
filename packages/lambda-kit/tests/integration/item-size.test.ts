import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { clientOptions, connectLocalAws } from '@streamlens/local-aws';
import fc from 'fast-check';
import { itemSizeBytes } from '../../src/dynamodb.js';

const aws = connectLocalAws();
const table = `item-size-${randomUUID().slice(0, 8)}`;
const client = new DynamoDBClient(clientOptions(aws.env, 'dynamodb'));
const doc = DynamoDBDocumentClient.from(client);

beforeAll(async () => {
  await aws.createResources({
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

afterAll(() => {
  client.destroy();
  aws.close();
});

/** Attribute values of the kinds the services store (strings, integers, binary, lists, maps). */
const value = fc.oneof(
  fc.string({ maxLength: 400 }),
  fc.integer({ min: 0, max: 1_000_000_000 }),
  fc.uint8Array({ maxLength: 400 }).map((b) => Buffer.from(b)),
  fc.array(fc.string({ maxLength: 40 }), { maxLength: 8 }),
  fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), fc.string({ maxLength: 40 }), {
    maxKeys: 6,
  }),
);

describe('itemSizeBytes against DynamoDB Local', () => {
  it('gives the write units DynamoDB reports for a put, items of every kind near the 1 KB steps', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }), value, { maxKeys: 6 }),
        fc.integer({ min: 0, max: 3000 }),
        async (attributes, padding) => {
          // Prepare: a key and the attributes, padded to land anywhere around 1, 2 or 3 KB.
          const { pk: _pk, ...rest } = attributes;
          const item = { ...rest, pk: randomUUID(), pad: 'p'.repeat(padding) };
          // Act
          const out = await doc.send(
            new PutCommand({ TableName: table, Item: item, ReturnConsumedCapacity: 'TOTAL' }),
          );
          // Assess
          const reported = out.ConsumedCapacity?.CapacityUnits;
          expect(reported).toBe(Math.max(1, Math.ceil(itemSizeBytes(item) / 1024)));
        },
      ),
      { numRuns: 150 },
    );
  });
});
