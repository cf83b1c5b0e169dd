import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { LocalAwsConnection } from '@streamlens/local-aws';
import { DynamoStateStore } from '../../src/adapters/dynamo-store.js';

/** A document client on the local DynamoDB that drops undefined attributes, as the handler's does. */
export function localDoc(aws: LocalAwsConnection): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(aws.clients().dynamodb, {
    marshallOptions: { removeUndefinedValues: true },
  });
}

/** The DynamoDB store on test tables: 4 marker buckets, one-hour TTLs, quick retries. */
export function localStateStore(
  doc: DynamoDBDocumentClient,
  names: { state: string; windows: string },
): DynamoStateStore {
  return new DynamoStateStore(doc, {
    stateTableName: names.state,
    windowTableName: names.windows,
    markerBuckets: 4,
    stateTtlSeconds: 3600,
    windowTtlSeconds: 3600,
    retry: { baseDelayMs: 5, maxDelayMs: 50 },
  });
}
