import {
  FirehoseClient,
  type _Record as FirehoseRecord,
  PutRecordBatchCommand,
} from '@aws-sdk/client-firehose';
import { clientConfig } from './clients.js';
import {
  type AttemptOutcome,
  blobLength,
  chunk,
  deliverReliably,
  type SinkFailure,
} from './internal/sink.js';
import type { BackoffOptions } from './retry.js';

export type { FirehoseRecord };

/** PutRecordBatch limits (Firehose API reference). */
export const PUT_RECORD_BATCH_LIMITS = {
  maxRecords: 500,
  maxRequestBytes: 4 * 1024 * 1024,
  /** 1,000 KiB per record, before base64. */
  maxRecordBytes: 1000 * 1024,
} as const;

/** Options of `putRecordBatchReliably`. */
export interface PutRecordBatchReliablyOptions extends BackoffOptions {}

/** Result of `putRecordBatchReliably`: records not delivered, and why. */
export interface PutRecordBatchReliablyResult {
  failed: SinkFailure<FirehoseRecord>[];
}

/** A Firehose client built with `clientConfig` (endpoint from `AWS_ENDPOINT_URL_FIREHOSE`). */
export function createFirehoseClient(extra: object = {}): FirehoseClient {
  return new FirehoseClient(clientConfig(extra));
}

/**
 * Writes records to a Firehose delivery stream with PutRecordBatch in chunks of at most 500
 * records and 4 MiB, retrying only the records that failed (per-record `ErrorCode` inside an HTTP
 * 200) or the whole chunk after a throttling/5xx error, with backoff and full jitter, bounded by
 * `maxAttempts` and `deadline`. Records over 1,000 KiB are not sent and come back in `failed`.
 *
 * @example
 * const { failed } = await putRecordBatchReliably(firehose, 'lake', lines.map((l) => ({ Data: encoder.encode(l) })));
 */
export async function putRecordBatchReliably(
  client: FirehoseClient,
  deliveryStreamName: string,
  records: readonly FirehoseRecord[],
  opts: PutRecordBatchReliablyOptions = {},
): Promise<PutRecordBatchReliablyResult> {
  const failed: SinkFailure<FirehoseRecord>[] = [];
  const sendable: FirehoseRecord[] = [];
  for (const entry of records) {
    const bytes = blobLength(entry.Data);
    if (bytes > PUT_RECORD_BATCH_LIMITS.maxRecordBytes) {
      failed.push({
        entry,
        code: 'EntryTooLarge',
        message: `Record of ${bytes} bytes exceeds 1,000 KiB`,
      });
    } else {
      sendable.push(entry);
    }
  }
  const attempt = async (pending: FirehoseRecord[]): Promise<AttemptOutcome<FirehoseRecord>> => {
    const out = await client.send(
      new PutRecordBatchCommand({ DeliveryStreamName: deliveryStreamName, Records: pending }),
    );
    const outcome: AttemptOutcome<FirehoseRecord> = { retry: [], permanent: [] };
    if (!out.FailedPutCount) return outcome;
    out.RequestResponses?.forEach((result, i) => {
      const entry = pending[i];
      if (result.ErrorCode && entry !== undefined) {
        outcome.retry.push({ entry, code: result.ErrorCode, message: result.ErrorMessage });
      }
    });
    return outcome;
  };
  for (const group of chunk(
    sendable,
    PUT_RECORD_BATCH_LIMITS.maxRecords,
    PUT_RECORD_BATCH_LIMITS.maxRequestBytes,
    (r) => blobLength(r.Data),
  )) {
    failed.push(...(await deliverReliably(group, attempt, opts)));
  }
  return { failed };
}
export type { SinkFailure } from './internal/sink.js';
