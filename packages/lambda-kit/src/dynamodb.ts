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

const ATTRIBUTE_VALUE_TYPES = new Set(['S', 'N', 'B', 'SS', 'NS', 'BS', 'M', 'L', 'NULL', 'BOOL']);

/**
 * The size DynamoDB bills an item at: attribute names plus values (UTF-8 strings, binary bytes,
 * numbers ≈ 1 byte per two significant digits + 1, 3 bytes per list or map + 1 per element).
 * Takes plain values (what the document client writes) or marshalled AttributeValues. Write units
 * are ⌈bytes / 1,024⌉ per item written (twice that in a transaction).
 */
export function itemSizeBytes(item: Record<string, unknown>): number {
  let n = 0;
  for (const [k, v] of Object.entries(item)) {
    if (v === undefined) continue;
    n += Buffer.byteLength(k) + valueSizeBytes(v);
  }
  return n;
}

/** A map's entries: 3 bytes, then per entry 1 byte of overhead, its name and its value. */
function mapSizeBytes(map: Record<string, unknown>): number {
  let n = 3;
  for (const [k, v] of Object.entries(map)) {
    if (v === undefined) continue;
    n += 1 + Buffer.byteLength(k) + valueSizeBytes(v);
  }
  return n;
}

function valueSizeBytes(v: unknown): number {
  if (v === null || v === undefined) return 1;
  if (typeof v === 'string') return Buffer.byteLength(v);
  if (typeof v === 'number') return numberSizeBytes(v);
  if (typeof v === 'boolean') return 1;
  if (v instanceof Uint8Array) return v.byteLength;
  if (v instanceof Set) return [...v].reduce((a: number, x) => a + valueSizeBytes(x), 0);
  if (Array.isArray(v)) return 3 + v.reduce((a: number, x) => a + 1 + valueSizeBytes(x), 0);
  if (typeof v === 'object') {
    const entries = Object.entries(v);
    const [first] = entries;
    if (entries.length === 1 && first && ATTRIBUTE_VALUE_TYPES.has(first[0])) {
      const [type, inner] = first;
      if (type === 'N') return valueSizeBytes(Number(inner));
      if (type === 'M') return mapSizeBytes(inner as Record<string, unknown>);
      return valueSizeBytes(inner);
    }
    return mapSizeBytes(v as Record<string, unknown>);
  }
  return 1;
}

/**
 * A number: 1 byte plus 1 per two significant digits; leading and trailing zeros are not
 * significant (DynamoDB stores the digits without them).
 */
function numberSizeBytes(v: number): number {
  const digits = String(Math.abs(v))
    .replace(/e.*$/, '')
    .replace('.', '')
    .replace(/^0+/, '')
    .replace(/0+$/, '');
  return Math.ceil(digits.length / 2) + 1;
}
