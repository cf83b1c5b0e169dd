import {
  type KinesisClient,
  PutRecordsCommand,
  type PutRecordsRequestEntry,
} from '@aws-sdk/client-kinesis';
import {
  type AttemptOutcome,
  blobLength,
  chunk,
  deliverReliably,
  type SinkFailure,
  utf8Length,
} from '../internal/sink.js';
import type { BackoffOptions } from '../retry.js';
import type { PutRecordsCall, PutRecordsEntry } from './put-records-call.js';

/** PutRecords limits (Kinesis API reference). */
export const PUT_RECORDS_LIMITS = {
  maxRecords: 500,
  /** Per call, data plus partition keys. */
  maxRequestBytes: 5 * 1024 * 1024,
  /** Per record, data plus partition key. */
  maxRecordBytes: 1024 * 1024,
  maxPartitionKeyLength: 256,
} as const;

/** Options of `putRecordsReliably`. */
export interface PutRecordsReliablyOptions extends BackoffOptions {}

/** Result of `putRecordsReliably`: the entries not written, with the reason of each. */
export interface PutRecordsReliablyResult<E extends PutRecordsEntry = PutRecordsRequestEntry> {
  failed: SinkFailure<E>[];
}

// Per-record codes that will fail the same way on every retry (KMS key problems); everything
// else Kinesis reports per record (ProvisionedThroughputExceededException, InternalFailure) is
// transient.
const PERMANENT_RECORD_CODES = new Set([
  'KMSAccessDeniedException',
  'KMSDisabledException',
  'KMSInvalidStateException',
  'KMSNotFoundException',
  'KMSOptInRequired',
  'AccessDeniedException',
]);

function recordBytes(entry: PutRecordsEntry): number {
  return blobLength(entry.Data) + utf8Length(entry.PartitionKey);
}

/**
 * Writes records to a Kinesis stream with PutRecords: chunks of at most 500 records and 5 MiB
 * (data + partition keys), retrying only the records that failed (HTTP 200 with a per-record
 * `ErrorCode`) or the whole chunk after a throttling/5xx error, with exponential backoff and full
 * jitter, bounded by `maxAttempts` and `deadline`. Records over 1 MiB or with an invalid partition
 * key are not sent and come back in `failed` (`EntryTooLarge`, `InvalidPartitionKey`). Never
 * throws for delivery failures: what was not written is in `failed`.
 *
 * @example
 * const { failed } = await putRecordsReliably(kinesis, 'aggregates', entries, { deadline });
 * if (failed.length > 0) throw new Error(`${failed.length} records not written`);
 */
export async function putRecordsReliably(
  client: KinesisClient,
  streamName: string,
  entries: readonly PutRecordsRequestEntry[],
  opts: PutRecordsReliablyOptions = {},
): Promise<PutRecordsReliablyResult> {
  return putRecordsWith(
    (input) =>
      client.send(
        new PutRecordsCommand({
          StreamName: input.StreamName,
          Records: input.Records as PutRecordsRequestEntry[],
        }),
      ),
    streamName,
    entries,
    opts,
  );
}

/**
 * `putRecordsReliably` over any PutRecords function, e.g. `createPutRecordsCall()` (a signed
 * request without the Kinesis client, for functions that only write). Same chunking, per-record
 * retries, backoff and result.
 */
export async function putRecordsWith<E extends PutRecordsEntry>(
  call: PutRecordsCall,
  streamName: string,
  entries: readonly E[],
  opts: PutRecordsReliablyOptions = {},
): Promise<PutRecordsReliablyResult<E>> {
  const failed: SinkFailure<E>[] = [];
  const sendable: E[] = [];
  for (const entry of entries) {
    const keyLength = entry.PartitionKey?.length ?? 0;
    if (keyLength < 1 || keyLength > PUT_RECORDS_LIMITS.maxPartitionKeyLength) {
      failed.push({
        entry,
        code: 'InvalidPartitionKey',
        message: `Partition key length ${keyLength} is not within 1..256`,
      });
    } else if (recordBytes(entry) > PUT_RECORDS_LIMITS.maxRecordBytes) {
      failed.push({
        entry,
        code: 'EntryTooLarge',
        message: `Record of ${recordBytes(entry)} bytes (data + partition key) exceeds the 1 MiB limit`,
      });
    } else {
      sendable.push(entry);
    }
  }
  const attempt = async (pending: E[]): Promise<AttemptOutcome<E>> => {
    const out = await call(
      { StreamName: streamName, Records: pending },
      opts.deadline === undefined ? {} : { deadline: opts.deadline },
    );
    const outcome: AttemptOutcome<E> = { retry: [], permanent: [] };
    if (!out.FailedRecordCount) return outcome;
    (out.Records ?? []).forEach((result, i) => {
      const entry = pending[i];
      if (!result.ErrorCode || entry === undefined) return;
      const failure = { entry, code: result.ErrorCode, message: result.ErrorMessage };
      (PERMANENT_RECORD_CODES.has(result.ErrorCode) ? outcome.permanent : outcome.retry).push(
        failure,
      );
    });
    return outcome;
  };
  for (const group of chunk(
    sendable,
    PUT_RECORDS_LIMITS.maxRecords,
    PUT_RECORDS_LIMITS.maxRequestBytes,
    recordBytes,
  )) {
    failed.push(...(await deliverReliably(group, attempt, opts)));
  }
  return { failed };
}
