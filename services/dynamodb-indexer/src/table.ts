import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { ATTR, TYPE_INDEX_NAME } from './keys.js';

/**
 * The events table as serverless.yml declares it (minus SSE, PITR and TTL, which CreateTable does
 * not take): used by the integration tests, the bench and local scripts to create it.
 */
export function eventsTableDefinition(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: ATTR.pk, AttributeType: 'S' },
      { AttributeName: ATTR.sk, AttributeType: 'S' },
      { AttributeName: ATTR.gsi1pk, AttributeType: 'S' },
      { AttributeName: ATTR.gsi1sk, AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: ATTR.pk, KeyType: 'HASH' },
      { AttributeName: ATTR.sk, KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: TYPE_INDEX_NAME,
        KeySchema: [
          { AttributeName: ATTR.gsi1pk, KeyType: 'HASH' },
          { AttributeName: ATTR.gsi1sk, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ],
  };
}
