import {
  decodeKafkaRecord,
  type KafkaEvent,
  type KafkaPosition,
  kafkaRecordsOf,
} from '@streamlens/lambda-kit/kafka';
import {
  batchResponseFrom,
  type DecodedKinesisRecord,
  decodeKinesisRecord,
  type KinesisDecodeFailure,
  shardKeyOf,
} from '@streamlens/lambda-kit/kinesis';
import {
  decodeCloudWatchLogsRecord,
  isGzip,
  parseEventJson,
  type StreamlensEvent,
  type ValidationIssue,
} from '@streamlens/schema';
import type { KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import {
  type BulkIndexOptions,
  type BulkItem,
  type BulkSend,
  bulkIndex,
  type Rejection,
  toBulkItem,
  type Unfinished,
} from './bulk.js';
import type { DeadLetter, DeadLetterSink } from './dead-letter.js';
import { type IndexDoc, toIndexDoc } from './document.js';
import { ScannedBulkWriter, type ScannedDoc } from './scanned-doc.js';

/** Options of `indexBatch` (from config.ts). */
export interface IndexerOptions {
  /** Index prefix: documents go to `<prefix>-YYYY.MM.DD`. */
  readonly indexPrefix: string;
  /** Largest event accepted, in bytes (bigger ones are dead-lettered as OVERSIZE). */
  readonly maxEventBytes: number;
  readonly bulk: Omit<BulkIndexOptions, 'deadline' | 'onRetry'>;
}

/** What `indexBatch` needs from the outside world. */
export interface IndexerDeps {
  readonly send: BulkSend;
  /**
   * Where rejected documents and invalid events go with their reason. Without one, their records
   * are reported as failed instead, so that bisect isolates them and the on-failure destination
   * receives their position once retries run out (README: "Nothing is silently lost").
   */
  readonly deadLetter?: DeadLetterSink;
  readonly onRetry?: BulkIndexOptions['onRetry'];
}

/** Counters of one batch (logged and emitted as metrics by observe.ts). */
export interface IndexCounts {
  records: number;
  events: number;
  indexed: number;
  rejected: number;
  invalid: number;
  deadLettered: number;
  unfinished: number;
  decodeFailures: number;
  failedRecords: number;
  requests: number;
  retriedItems: number;
  /** CloudWatch Logs control messages (nothing to index: dropped). */
  controlMessages: number;
}

/** Result of `indexBatch`. */
export interface IndexBatchResult {
  readonly response: KinesisStreamBatchResponse;
  readonly counts: IndexCounts;
  readonly rejected: readonly Rejection[];
  readonly unfinished: readonly Unfinished[];
  readonly invalid: readonly DeadLetter[];
  /** Set when the dead-letter sink failed (those records are reported failed). */
  readonly deadLetterError?: unknown;
}

interface RecordState {
  readonly sequenceNumber: string;
  readonly shardKey: string;
  failed: boolean;
}

/**
 * Indexes a Kinesis batch of events into OpenSearch and answers Lambda:
 * 1. decode (KPL de-aggregation) and validate every record; an invalid event is a dead letter;
 * 2. `_bulk`-index every valid event by id (bounded requests, 429s retried until `deadline`);
 * 3. documents rejected with a 4xx become dead letters with their reason, written to the sink;
 * 4. a record fails when one of its events is unfinished (still throttled at the deadline), its
 *    dead letters could not be stored, or it could not be decoded; per shard, the first failed
 *    record and every later one are reported in `batchItemFailures` (lambda-kit's
 *    stop-at-first-failure semantics: Lambda resumes there; the later records that were indexed
 *    are indexed again on redelivery, which overwrites them by id).
 */
export async function indexBatch(
  event: KinesisStreamEvent,
  deps: IndexerDeps,
  opts: IndexerOptions,
  deadline: number,
): Promise<IndexBatchResult> {
  const sources = (event.Records ?? []).map(
    (raw): SourceRecord => ({
      sequenceNumber: raw.kinesis.sequenceNumber,
      shardKey: shardKeyOf(raw),
      decoded: decodeKinesisRecord(raw),
    }),
  );
  const { records, ...result } = await indexDecoded(sources, deps, opts, deadline);
  // Stop at the first failure per shard: that record and every later one of its shard.
  const failedShards = new Set<string>();
  const reported: string[] = [];
  for (const r of records) {
    if (r.failed) failedShards.add(r.shardKey);
    if (failedShards.has(r.shardKey)) reported.push(r.sequenceNumber);
  }
  return { response: batchResponseFrom(reported), ...result };
}

/** What {@link indexKafkaBatch} returns. */
export interface IndexKafkaBatchResult extends Omit<IndexBatchResult, 'response'> {
  /** Records not (wholly) indexed or dead-lettered: the handler fails the invocation. */
  readonly unapplied: readonly KafkaPosition[];
}

/**
 * Indexes a Kafka batch (Amazon MSK or self-managed; docs/kafka.md) as {@link indexBatch} does a
 * Kinesis one, with the topic-partition and offset as the position. A record that cannot be read
 * (a tombstone, unreadable headers or attributes) is a dead letter with its reason. Kafka has no
 * per-record answer here: `unapplied` lists the records not done, and the handler fails the
 * invocation so that the mapping retries the batch (documents are indexed by id: a retried record
 * overwrites its own document).
 */
export async function indexKafkaBatch(
  event: KafkaEvent,
  deps: IndexerDeps,
  opts: IndexerOptions,
  deadline: number,
): Promise<IndexKafkaBatchResult> {
  const arn = event.eventSourceArn ?? '';
  const sources = kafkaRecordsOf(event).map(({ group, record }): SourceRecord => {
    const decoded = decodeKafkaRecord(group, record, arn);
    const at = decoded.ok ? decoded.records[0] : decoded.failure;
    return { sequenceNumber: at.sequenceNumber, shardKey: at.shardId, decoded };
  });
  const { records, ...result } = await indexDecoded(sources, deps, opts, deadline);
  const unapplied = records
    .filter((r) => r.failed)
    .map((r) => ({ topicPartition: r.shardKey, offset: r.sequenceNumber }));
  return { unapplied, ...result };
}

/**
 * One source record and its decoding. A failure that carries the record's bytes (a Kafka record
 * the binding refused) is a dead letter; one without (a Kinesis aggregate that does not decode)
 * fails the record, for the mapping's retries and on-failure destination.
 */
interface SourceRecord {
  readonly sequenceNumber: string;
  readonly shardKey: string;
  readonly decoded:
    | { ok: true; records: readonly DecodedKinesisRecord[] }
    | {
        ok: false;
        failure: KinesisDecodeFailure & { arrivalTimeMs?: number; data?: Uint8Array };
      };
}

/** The work of both batch kinds; every record's state says whether it failed. */
async function indexDecoded(
  sources: readonly SourceRecord[],
  deps: IndexerDeps,
  opts: IndexerOptions,
  deadline: number,
): Promise<Omit<IndexBatchResult, 'response'> & { records: RecordState[] }> {
  const counts: IndexCounts = {
    records: 0,
    events: 0,
    indexed: 0,
    rejected: 0,
    invalid: 0,
    deadLettered: 0,
    unfinished: 0,
    decodeFailures: 0,
    failedRecords: 0,
    requests: 0,
    retriedItems: 0,
    controlMessages: 0,
  };
  const records: RecordState[] = [];
  const owners = new Map<
    IndexDoc,
    {
      state: RecordState;
      shardId: string;
      subSequenceNumber?: number;
      arrivalTimeMs: number;
      /** Undefined for a scanned document (its `event` getter parses it when needed). */
      event: StreamlensEvent | undefined;
    }
  >();
  const items: BulkItem[] = [];
  const scanned = new ScannedBulkWriter(opts.indexPrefix);
  const invalid: DeadLetter[] = [];
  const invalidOwners: RecordState[] = [];
  for (const source of sources) {
    counts.records++;
    const state: RecordState = {
      sequenceNumber: source.sequenceNumber,
      shardKey: source.shardKey,
      failed: false,
    };
    records.push(state);
    const decoded = source.decoded;
    if (!decoded.ok) {
      counts.decodeFailures++;
      const f = decoded.failure;
      if (f.data === undefined) {
        state.failed = true;
        continue;
      }
      invalid.push({
        reason: { type: f.code, message: f.message, path: '$' },
        shardId: f.shardId,
        sequenceNumber: f.sequenceNumber,
        subSequenceNumber: undefined,
        arrivalTimeMs: f.arrivalTimeMs ?? 0,
        raw: Buffer.from(f.data).toString('base64'),
      });
      invalidOwners.push(state);
      continue;
    }
    for (const user of decoded.records) {
      const letter = (reason: ValidationIssue, subSequenceNumber: number | undefined): void => {
        invalid.push({
          reason: { type: reason.code, message: reason.message, path: reason.path },
          shardId: user.shardId,
          sequenceNumber: user.sequenceNumber,
          subSequenceNumber,
          arrivalTimeMs: user.arrivalTimeMs,
          raw: Buffer.from(user.data).toString('base64'),
        });
        invalidOwners.push(state);
      };
      const index = (event: StreamlensEvent, subSequenceNumber: number | undefined): void => {
        const doc = toIndexDoc(event, opts.indexPrefix);
        items.push(toBulkItem(doc));
        owners.set(doc, {
          state,
          shardId: user.shardId,
          subSequenceNumber,
          arrivalTimeMs: user.arrivalTimeMs,
          event,
        });
      };
      if (isGzip(user.data)) {
        // A CloudWatch Logs subscription record: its log lines are app.log events (the decoder
        // every consumer shares); a control message holds nothing to index.
        const cw = decodeCloudWatchLogsRecord(user.data);
        if (!cw.ok) {
          counts.events++;
          letter(cw.error, user.subSequenceNumber);
        } else if (cw.value.kind === 'control') counts.controlMessages++;
        else {
          // Log event k of the record is dead-lettered (if invalid) under sub-sequence k.
          cw.value.events.forEach((result, k) => {
            counts.events++;
            if (result.ok) index(result.value, k);
            else letter(result.error, k);
          });
        }
        continue;
      }
      counts.events++;
      // Compact valid input events: bulk lines from the bytes (the same bytes as below).
      const item = user.data.byteLength <= opts.maxEventBytes ? scanned.item(user.data) : undefined;
      if (item !== undefined) {
        items.push(item);
        owners.set(item.doc, {
          state,
          shardId: user.shardId,
          subSequenceNumber: user.subSequenceNumber,
          arrivalTimeMs: user.arrivalTimeMs,
          event: undefined,
        });
        continue;
      }
      const parsed = parseEventJson(user.data, { maxBytes: opts.maxEventBytes });
      if (!parsed.ok) {
        letter(parsed.error, user.subSequenceNumber);
        continue;
      }
      index(parsed.value, user.subSequenceNumber);
    }
  }
  counts.invalid = invalid.length;

  const result = await bulkIndex(items, deps.send, {
    ...opts.bulk,
    deadline,
    onRetry: deps.onRetry,
  });
  counts.indexed = result.indexed.length;
  counts.rejected = result.rejected.length;
  counts.unfinished = result.unfinished.length;
  counts.requests = result.requests;
  counts.retriedItems = result.retriedItems;
  for (const u of result.unfinished) owners.get(u.doc)!.state.failed = true;

  const letters: DeadLetter[] = [...invalid];
  const letterOwners: RecordState[] = [...invalidOwners];
  for (const r of result.rejected) {
    const owner = owners.get(r.doc)!;
    letters.push({
      reason: { status: r.status, type: r.type, message: r.reason },
      shardId: owner.shardId,
      sequenceNumber: owner.state.sequenceNumber,
      subSequenceNumber: owner.subSequenceNumber,
      arrivalTimeMs: owner.arrivalTimeMs,
      id: r.doc.id,
      index: r.doc.index,
      event: owner.event ?? (r.doc as ScannedDoc).event,
      document: r.doc.source,
    });
    letterOwners.push(owner.state);
  }
  let deadLetterError: unknown;
  if (letters.length > 0) {
    if (!deps.deadLetter) {
      for (const o of letterOwners) o.failed = true;
    } else {
      try {
        await deps.deadLetter(letters, { deadline });
        counts.deadLettered = letters.length;
      } catch (error) {
        deadLetterError = error;
        for (const o of letterOwners) o.failed = true;
      }
    }
  }

  counts.failedRecords = records.filter((r) => r.failed).length;
  return {
    records,
    counts,
    rejected: result.rejected,
    unfinished: result.unfinished,
    invalid,
    deadLetterError,
  };
}
