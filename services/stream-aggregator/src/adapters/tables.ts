import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

/**
 * The two tables as serverless.yml declares them (minus encryption/PITR, which the local stand-ins
 * ignore): used by the integration tests and the local-invocation script to create them.
 */
export function tableDefinitions(
  stateTableName: string,
  windowTableName: string,
): CreateTableCommandInput[] {
  return [
    {
      TableName: stateTableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
    },
    {
      TableName: windowTableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'series', AttributeType: 'S' },
        { AttributeName: 'windowStart', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'series', KeyType: 'HASH' },
        { AttributeName: 'windowStart', KeyType: 'RANGE' },
      ],
    },
  ];
}
