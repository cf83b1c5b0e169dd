import { readFileSync } from 'node:fs';
import {
  BatchWriteItemCommand,
  DynamoDBClient,
  ListTablesCommand,
  QueryCommand,
} from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from '@jest/globals';
import { clientOptions, connectLocalAws, spawnDynalite } from '../../src/index.js';
import { isAlive } from '../helpers/processes.js';

describe('spawnDynalite', () => {
  it('serves tables (GSI included) from its own process and exits on stop', async () => {
    // Prepare
    const dynalite = await spawnDynalite(process.env, { maxHeapMiB: 300 });
    const connection = connectLocalAws({ AWS_ENDPOINT_URL_DYNAMODB: dynalite.endpoint });
    const client = new DynamoDBClient(
      clientOptions({ AWS_ENDPOINT_URL_DYNAMODB: dynalite.endpoint }, 'dynamodb'),
    );
    const items = Array.from({ length: 25 }, (_, i) => ({
      PutRequest: {
        Item: {
          pk: { S: `E#${i % 3}` },
          sk: { S: `2026-11-26T00:00:${String(i).padStart(2, '0')}.000Z#id-${i}` },
          gsi1pk: { S: 'T#telemetry.reading#0' },
          gsi1sk: { S: `${i}` },
        },
      },
    }));

    try {
      // Act
      await connection.createResources({
        tables: [
          {
            TableName: 'child-events',
            BillingMode: 'PAY_PER_REQUEST',
            AttributeDefinitions: ['pk', 'sk', 'gsi1pk', 'gsi1sk'].map((name) => ({
              AttributeName: name,
              AttributeType: 'S' as const,
            })),
            KeySchema: [
              { AttributeName: 'pk', KeyType: 'HASH' },
              { AttributeName: 'sk', KeyType: 'RANGE' },
            ],
            GlobalSecondaryIndexes: [
              {
                IndexName: 'byType',
                KeySchema: [
                  { AttributeName: 'gsi1pk', KeyType: 'HASH' },
                  { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
                ],
                Projection: { ProjectionType: 'ALL' },
              },
            ],
          },
        ],
      });
      const written = await client.send(
        new BatchWriteItemCommand({ RequestItems: { 'child-events': items } }),
      );
      const byType = await client.send(
        new QueryCommand({
          TableName: 'child-events',
          IndexName: 'byType',
          KeyConditionExpression: 'gsi1pk = :t',
          ExpressionAttributeValues: { ':t': { S: 'T#telemetry.reading#0' } },
        }),
      );
      const scanned = await connection.scanTable('child-events');

      // Assess
      expect(dynalite.pid).not.toBe(process.pid);
      // The heap limit reaches the child (its table lives in that heap).
      expect(readFileSync(`/proc/${dynalite.pid}/cmdline`, 'utf8')).toContain(
        '--max-old-space-size=300',
      );
      expect(written.UnprocessedItems ?? {}).toEqual({});
      expect(byType.Count).toBe(25);
      expect(scanned).toHaveLength(25);
    } finally {
      connection.close();
      await dynalite.stop();
    }
    const afterStop = await client.send(new ListTablesCommand({})).catch((e: unknown) => e);
    client.destroy();
    expect(isAlive(dynalite.pid)).toBe(false);
    expect(afterStop).toBeInstanceOf(Error);
  });
});
