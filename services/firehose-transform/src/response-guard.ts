import { ErrorCode, type ValidationIssue } from '@streamlens/schema';
import { decodeBase64Strict } from './base64.js';
import { splitCloudWatchPayload } from './cloudwatch-split.js';
import {
  DropReason,
  type FirehoseInputRecord,
  type FirehoseOutputRecord,
  type PartitionKeys,
  RecordResult,
  type ReingestItem,
} from './model.js';
import { type PartitionKeyCache, partitionKeysJsonLength } from './partition.js';
import type { RecordOutcome } from './transform.js';

/** `{"records":[` + `]}` */
const ENVELOPE_BYTES = 14;
// Bytes of an entry besides its recordId JSON and data: {"recordId":…,"result":"…","data":"…"}
const ENTRY_FIXED_BYTES = 12 + 11 + 10 + 1 + 1;
// ,"metadata":{"partitionKeys":…}
const METADATA_FIXED_BYTES = 29 + 1;

/** What became of a record once the response size is accounted for. */
export interface GuardedRecord {
  output: FirehoseOutputRecord;
  /** Set when the guard changed the outcome (re-ingested, split, or too large alone). */
  guard?: 'reingested' | 'split' | 'too-large';
  /** The failure reported for this record (original or decided by the guard). */
  issue?: ValidationIssue;
}

/** The response to return and the records to put back into the pipeline first. */
export interface ResponsePlan {
  records: GuardedRecord[];
  reingest: ReingestItem[];
  /** Exact byte size of `JSON.stringify({ records })`. */
  responseBytes: number;
}

/**
 * Fits the transformation results under `limitBytes` the way the CloudWatch Logs blueprint does,
 * but with exact sizes: every entry is first counted at its smallest (Dropped, empty data), so the
 * response can never overflow however many records are re-ingested; ProcessingFailed records are
 * placed before Ok ones (re-ingesting a record only to fail it again would be pointless); Ok records
 * then take the remaining room in order. A record that does not fit is re-ingested (its original
 * bytes) and answered Dropped; an Ok record too large even alone is split in halves when it is a
 * CloudWatch Logs batch of several events, else answered ProcessingFailed (OVERSIZE).
 *
 * Pure: the caller performs the re-ingestion and must not return the response unless it succeeded.
 */
export function planResponse(
  input: readonly FirehoseInputRecord[],
  outcomes: readonly RecordOutcome[],
  limitBytes: number,
  keys?: PartitionKeyCache,
): ResponsePlan {
  const n = input.length;
  const idBytes = new Array<number>(n);
  let used = ENVELOPE_BYTES + Math.max(0, n - 1);
  for (let i = 0; i < n; i++) {
    const id = jsonStringBytes(input[i]!.recordId);
    idBytes[i] = id;
    used += ENTRY_FIXED_BYTES + id + RecordResult.Dropped.length;
  }
  const dropped = (i: number) => ENTRY_FIXED_BYTES + idBytes[i]! + RecordResult.Dropped.length;
  const failedSize = (i: number, data: string) =>
    ENTRY_FIXED_BYTES + idBytes[i]! + RecordResult.ProcessingFailed.length + data.length;

  const records = new Array<GuardedRecord>(n);
  const reingest: ReingestItem[] = [];
  const reingestWhole = (i: number): void => {
    const record = input[i]!;
    reingest.push({
      recordId: record.recordId,
      data: decodeBase64Strict(record.data) ?? Buffer.from(String(record.data), 'utf8'),
      partitionKey: record.kinesisRecordMetadata?.partitionKey ?? record.recordId,
    });
    records[i] = { output: droppedOutput(record.recordId), guard: 'reingested' };
  };
  const placeFailed = (i: number, issue: ValidationIssue, guard?: 'too-large'): void => {
    const record = input[i]!;
    const data = originalData(record, issue);
    const extra = failedSize(i, data) - dropped(i);
    if (used + extra <= limitBytes) {
      used += extra;
      const output = { recordId: record.recordId, result: RecordResult.ProcessingFailed, data };
      records[i] = guard === undefined ? { output, issue } : { output, issue, guard };
    } else {
      reingestWhole(i);
    }
  };

  // Pass 1: failures (their original data must come back) and drops.
  for (let i = 0; i < n; i++) {
    const outcome = outcomes[i]!;
    if (outcome.kind === 'failed') placeFailed(i, outcome.issue);
    else if (outcome.kind === 'dropped') {
      records[i] = { output: droppedOutput(input[i]!.recordId) };
    }
  }

  // Pass 2: Ok records in order, while they fit.
  // Neighbouring records usually share their (interned) partition keys: their size is kept.
  let lastKeys: PartitionKeys | undefined;
  let lastKeysBytes = 0;
  for (let i = 0; i < n; i++) {
    const outcome = outcomes[i]!;
    if (outcome.kind !== 'ok') continue;
    const record = input[i]!;
    if (outcome.partitionKeys !== lastKeys) {
      lastKeys = outcome.partitionKeys;
      lastKeysBytes = partitionKeysJsonLength(lastKeys);
    }
    const size =
      ENTRY_FIXED_BYTES +
      idBytes[i]! +
      RecordResult.Ok.length +
      outcome.data.length +
      METADATA_FIXED_BYTES +
      lastKeysBytes;
    if (size + ENVELOPE_BYTES > limitBytes) {
      const halves = outcome.cloudWatch ? splitCloudWatchPayload(outcome.cloudWatch) : undefined;
      if (halves !== undefined) {
        const partitionKey = record.kinesisRecordMetadata?.partitionKey ?? record.recordId;
        for (const data of halves) reingest.push({ recordId: record.recordId, data, partitionKey });
        records[i] = { output: droppedOutput(record.recordId), guard: 'split' };
      } else {
        placeFailed(
          i,
          {
            code: ErrorCode.OVERSIZE,
            message: `transformed record is ${size} bytes, over the ${limitBytes}-byte response limit on its own`,
            path: '$',
          },
          'too-large',
        );
      }
      continue;
    }
    const extra = size - dropped(i);
    if (used + extra > limitBytes) {
      reingestWhole(i);
      continue;
    }
    used += extra;
    if (outcome.reingest !== undefined) for (const item of outcome.reingest) reingest.push(item);
    records[i] = {
      output: {
        recordId: record.recordId,
        result: RecordResult.Ok,
        data: outcome.data,
        metadata: keys?.metadataOf(outcome.partitionKeys) ?? {
          partitionKeys: outcome.partitionKeys,
        },
      },
    };
  }
  return { records, reingest, responseBytes: used };
}

/**
 * The original data to return with ProcessingFailed, as standard base64. When Firehose's `data` was
 * not base64 at all (never seen from Firehose, but the response must stay valid), its text is
 * encoded so that the error prefix still shows what arrived.
 */
function originalData(record: FirehoseInputRecord, issue: ValidationIssue): string {
  const data = record.data;
  if (issue.code === ErrorCode.INVALID_BASE64) {
    return Buffer.from(typeof data === 'string' ? data : '', 'utf8').toString('base64');
  }
  // Node's decoder also takes the URL-safe alphabet; the response must be standard base64.
  if (data.includes('-') || data.includes('_'))
    return Buffer.from(data, 'base64').toString('base64');
  return data;
}

/** Printable ASCII but `"` and `\`: characters `JSON.stringify` writes as they are, one byte each. */
const JSON_VERBATIM = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/**
 * Bytes of `JSON.stringify(s)`; record ids are printable ASCII, so usually without allocating
 * (a regex test: about 3x faster than a charCodeAt loop on 60-character Firehose ids).
 */
function jsonStringBytes(s: string): number {
  return JSON_VERBATIM.test(s) ? s.length + 2 : Buffer.byteLength(JSON.stringify(s));
}

function droppedOutput(recordId: string): FirehoseOutputRecord {
  return { recordId, result: RecordResult.Dropped, data: '' };
}

/** Why a guarded record was dropped, for counting. */
export function dropReasonOf(
  outcome: RecordOutcome,
  guarded: GuardedRecord,
): DropReason | undefined {
  if (guarded.guard === 'reingested' || guarded.guard === 'split') return DropReason.Reingested;
  return outcome.kind === 'dropped' ? outcome.reason : undefined;
}
