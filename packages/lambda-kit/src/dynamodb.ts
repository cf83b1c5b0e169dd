import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  DynamoDBDocumentClient,
  type TranslateConfig,
} from '@aws-sdk/lib-dynamodb';
import { clientConfig } from './clients.js';
import { type AttemptOutcome, deliverReliably, type SinkFailure } from './internal/sink.js';
import type { BackoffOptions } from './retry.js';

/** One put or delete of a BatchWriteItem request, in document-client form. */
export type DocWriteRequest = NonNullable<
  NonNullable<ConstructorParameters<typeof BatchWriteCommand>[0]['RequestItems']>[string]
>[number];

/** BatchWriteItem limits (DynamoDB API reference). */
export const BATCH_WRITE_LIMITS = { maxItems: 25 } as const;

/** Options of `batchWriteReliably`. */
export interface BatchWriteReliablyOptions extends BackoffOptions {
  /** Groups of 25 in flight at once (default 4). */
  concurrency?: number;
}

/** Result of `batchWriteReliably`: requests not applied (never dropped), and why. */
export interface BatchWriteReliablyResult {
  unprocessed: DocWriteRequest[];
  failures: SinkFailure<DocWriteRequest>[];
}

/**
 * A DynamoDB document client built with `clientConfig` (HTTP/1 keep-alive; endpoint from
 * `AWS_ENDPOINT_URL_DYNAMODB`). Undefined values are removed so that optional fields do not fail
 * marshalling.
 */
export function createDocumentClient(
  extra: object = {},
  translateConfig: TranslateConfig = { marshallOptions: { removeUndefinedValues: true } },
): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(new DynamoDBClient(clientConfig(extra)), translateConfig);
}

/**
 * Writes puts/deletes with BatchWriteItem in groups of 25, retrying `UnprocessedItems` (and
 * throttled or 5xx calls) with exponential backoff and full jitter, bounded by `maxAttempts` and
 * `deadline`. Whatever is still not applied comes back in `unprocessed`; nothing is dropped.
 * BatchWriteItem is not atomic and rejects two requests on one key in the same call, so callers
 * de-duplicate by key first.
 *
 * @example
 * const { unprocessed } = await batchWriteReliably(doc, table, items.map((Item) => ({ PutRequest: { Item } })), { deadline });
 */
export async function batchWriteReliably(
  docClient: DynamoDBDocumentClient,
  tableName: string,
  writeRequests: readonly DocWriteRequest[],
  opts: BatchWriteReliablyOptions = {},
): Promise<BatchWriteReliablyResult> {
  const attempt = async (pending: DocWriteRequest[]): Promise<AttemptOutcome<DocWriteRequest>> => {
    const out = await docClient.send(
      new BatchWriteCommand({ RequestItems: { [tableName]: pending } }),
    );
    const left = out.UnprocessedItems?.[tableName] ?? [];
    return {
      retry: left.map((entry) => ({ entry, code: 'UnprocessedItems' })),
      permanent: [],
    };
  };
  const groups: DocWriteRequest[][] = [];
  for (let i = 0; i < writeRequests.length; i += BATCH_WRITE_LIMITS.maxItems) {
    groups.push(writeRequests.slice(i, i + BATCH_WRITE_LIMITS.maxItems));
  }
  const failures: SinkFailure<DocWriteRequest>[] = [];
  const concurrency = Math.max(1, opts.concurrency ?? 4);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < groups.length) {
      const group = groups[next++]!;
      failures.push(...(await deliverReliably(group, attempt, opts)));
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, groups.length) }, worker));
  return { unprocessed: failures.map((f) => f.entry), failures };
}
export type { SinkFailure } from './internal/sink.js';
