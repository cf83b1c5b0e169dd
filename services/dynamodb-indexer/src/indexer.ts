import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { BackoffOptions } from '@streamlens/lambda-kit';
import { batchWriteReliably, type SinkFailure } from '@streamlens/lambda-kit/dynamodb';
import {
  decodeKafkaRecord,
  type KafkaEvent,
  type KafkaPosition,
  kafkaRecordsOf,
} from '@streamlens/lambda-kit/kafka';
import {
  type DecodedKinesisRecord,
  decodeKinesisRecord,
  type KinesisDecodeFailure,
  stopAtFirstFailure,
} from '@streamlens/lambda-kit/kinesis';
import {
  decodeCloudWatchLogsRecord,
  isGzip,
  parseEventJson,
  type StreamlensEvent,
} from '@streamlens/schema';
import type { KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import {
  eventItem,
  type Item,
  type ItemOptions,
  type QuarantineInput,
  quarantineItem,
} from './item.js';
import { keyString } from './keys.js';

/** Everything `indexBatch` needs besides the event and the client. */
export interface IndexerOptions extends ItemOptions {
  tableName: string;
  /** Largest event accepted by the parser (bytes); larger records are quarantined as OVERSIZE. */
  maxEventBytes: number;
  /** BatchWriteItem groups of 25 in flight at once. */
  writeConcurrency: number;
  /** Backoff of UnprocessedItems / throttling retries (maxAttempts, delays; sleep/now for tests). */
  backoff: BackoffOptions;
}

/** Why a record was quarantined, for logs and metrics (no payload). */
export interface InvalidRecordReport {
  shardId: string;
  sequenceNumber: string;
  subSequenceNumber?: number;
  code: string;
  message: string;
  path?: string;
  /** false when not even the quarantine item could be stored: the record is reported failed. */
  quarantined: boolean;
}

/** Counters of one batch (metrics and the bench read them). */
export interface IndexStats {
  /** Kinesis (or Kafka) records in the event. */
  records: number;
  /** Events (user records) decoded and valid. */
  events: number;
  /** Valid events written (or already written by a duplicate in the same batch). */
  indexed: number;
  /** Valid events stored compressed. */
  compressed: number;
  /** Records (or user records) stored in quarantine. */
  quarantined: number;
  /** Write requests dropped because another record of the batch has the same key. */
  duplicateKeys: number;
  /** Items that could not be written in time (or at all). */
  unwritten: number;
  /** Records reported in batchItemFailures (Kafka: records not applied). */
  reported: number;
  /** CloudWatch Logs control messages (nothing to index: dropped). */
  controlMessages: number;
}

/** What `indexBatch` returns: the Lambda response and what to log. */
export interface IndexBatchResult {
  response: KinesisStreamBatchResponse;
  stats: IndexStats;
  invalid: InvalidRecordReport[];
  writeFailures: SinkFailure<unknown>[];
}

interface Plan {
  item: Item;
  /** Indexes (into event.Records) of the records that need this item written. */
  records: number[];
  /** The invalid-record reports tied to this item (quarantine items only). */
  report?: InvalidRecordReport;
  /** What to quarantine should DynamoDB reject the event item (ValidationException). */
  fallback?: QuarantineInput;
}

// Whole-call error codes that are about an item's content: retrying the group cannot help, but
// writing the items one by one isolates the bad one (IAM grants PutItem for exactly this).
const ITEM_REJECTED = new Set(['ValidationException', 'SerializationException']);

/**
 * Indexes one Kinesis batch into the events table and answers with ReportBatchItemFailures
 * semantics (as lambda-kit's `processKinesisBatch` with stop-at-first-failure): per shard, the
 * first record whose items were not all written, and every later record of that shard.
 *
 * - Valid events → event items (key design in keys.ts), de-duplicated by key (BatchWriteItem
 *   rejects two requests on one key), written by `batchWriteReliably` (groups of 25,
 *   UnprocessedItems retried with backoff and jitter until `deadline`).
 * - Invalid records (bad KPL, bad JSON, schema errors, events too large for an item) → quarantine
 *   items in the same table (raw bytes + reason), written in the same batch: nothing is lost and
 *   a poison record does not block its shard. A record too large even for quarantine is reported
 *   failed (bisect isolates it; after bounded retries the on-failure queue gets its position).
 * - Groups rejected as a whole for an item's content (ValidationException) are retried item by
 *   item with PutItem; an event item DynamoDB still rejects goes to quarantine.
 *
 * @example const { response } = await indexBatch(event, doc, options, deadlineFromContext(context, 3000));
 */
export async function indexBatch(
  event: KinesisStreamEvent,
  doc: DynamoDBDocumentClient,
  opts: IndexerOptions,
  deadline: number,
): Promise<IndexBatchResult> {
  const records = event.Records ?? [];
  const decodings = records.map((record): SourceRecordDecoding => {
    const decoded = decodeKinesisRecord(record);
    if (decoded.ok) return decoded;
    return {
      ok: false,
      failure: {
        ...decoded.failure,
        arrivalTimeMs: Math.round(record.kinesis.approximateArrivalTimestamp * 1000),
        data: Buffer.from(record.kinesis.data, 'base64'),
      },
    };
  });
  const { failedRecords, ...result } = await indexDecoded(decodings, doc, opts, deadline);
  const response = stopAtFirstFailure(records, (_r, i) => failedRecords.has(i));
  result.stats.reported = response.batchItemFailures.length;
  return { response, ...result };
}

/**
 * Indexes one Kafka batch (Amazon MSK or self-managed; docs/kafka.md) as {@link indexBatch} does a
 * Kinesis one: the same items, keys and quarantine, with the topic-partition and offset as the
 * stream position. Kafka has no per-record answer here: `unapplied` lists the records whose items
 * were not all written, and the handler fails the invocation so that the mapping retries the
 * batch (the writes are idempotent: a retried record overwrites its own item).
 */
export async function indexKafkaBatch(
  event: KafkaEvent,
  doc: DynamoDBDocumentClient,
  opts: IndexerOptions,
  deadline: number,
): Promise<IndexKafkaBatchResult> {
  const arn = event.eventSourceArn ?? '';
  const decodings = kafkaRecordsOf(event).map(({ group, record }) =>
    decodeKafkaRecord(group, record, arn),
  );
  const { failedRecords, ...result } = await indexDecoded(decodings, doc, opts, deadline);
  const unapplied = [...failedRecords]
    .sort((a, b) => a - b)
    .map((i) => {
      const d = decodings[i]!;
      const at = d.ok ? d.records[0] : d.failure;
      return { topicPartition: at.shardId, offset: at.sequenceNumber };
    });
  result.stats.reported = unapplied.length;
  return { unapplied, ...result };
}

/**
 * One source record (a Kinesis record, a Kafka record) as its user records, or why it has none
 * (with its arrival time and bytes, for the quarantine item).
 */
export type SourceRecordDecoding =
  | { ok: true; records: readonly DecodedKinesisRecord[] }
  | { ok: false; failure: KinesisDecodeFailure & { arrivalTimeMs: number; data: Uint8Array } };

/** What {@link indexKafkaBatch} returns. */
export interface IndexKafkaBatchResult extends Omit<IndexBatchResult, 'response'> {
  unapplied: KafkaPosition[];
}

/** The work of both batch kinds: items planned per source record, written, and what failed. */
async function indexDecoded(
  decodings: readonly SourceRecordDecoding[],
  doc: DynamoDBDocumentClient,
  opts: IndexerOptions,
  deadline: number,
): Promise<Omit<IndexBatchResult, 'response'> & { failedRecords: Set<number> }> {
  const stats: IndexStats = {
    records: decodings.length,
    events: 0,
    indexed: 0,
    compressed: 0,
    quarantined: 0,
    duplicateKeys: 0,
    unwritten: 0,
    reported: 0,
    controlMessages: 0,
  };
  const invalid: InvalidRecordReport[] = [];
  const plans = new Map<string, Plan>();
  const failedRecords = new Set<number>();

  const plan = (index: number, item: Item, extra: Partial<Plan> = {}): void => {
    const key = keyString(item);
    const existing = plans.get(key);
    if (existing) {
      // Same key = same event (ids are unique per event) or the same stream position: one write
      // serves both records. Should a producer reuse an id with other content, the later record
      // wins, as it would if the records were written one by one in stream order.
      existing.records.push(index);
      existing.item = item;
      if (extra.fallback) existing.fallback = extra.fallback;
      stats.duplicateKeys++;
      return;
    }
    plans.set(key, { item, records: [index], ...extra });
  };

  const quarantine = (index: number, q: QuarantineInput): void => {
    const built = quarantineItem(q, opts);
    const report: InvalidRecordReport = {
      shardId: q.shardId,
      sequenceNumber: q.sequenceNumber,
      ...(q.subSequenceNumber === undefined ? {} : { subSequenceNumber: q.subSequenceNumber }),
      code: q.code,
      message: q.message,
      ...(q.path === undefined ? {} : { path: q.path }),
      quarantined: built.ok,
    };
    invalid.push(report);
    if (built.ok) plan(index, built.item, { report });
    else failedRecords.add(index);
  };

  for (let i = 0; i < decodings.length; i++) {
    const decoded = decodings[i]!;
    if (!decoded.ok) {
      const f = decoded.failure;
      quarantine(i, {
        shardId: f.shardId,
        sequenceNumber: f.sequenceNumber,
        partitionKey: f.partitionKey,
        eventSourceArn: f.eventSourceArn,
        arrivalTimeMs: f.arrivalTimeMs,
        code: f.code,
        message: f.message,
        data: f.data,
      });
      continue;
    }
    for (const user of decoded.records) {
      const where = {
        shardId: user.shardId,
        sequenceNumber: user.sequenceNumber,
        subSequenceNumber: user.subSequenceNumber,
        partitionKey: user.partitionKey,
        eventSourceArn: user.eventSourceArn,
        arrivalTimeMs: user.arrivalTimeMs,
        data: user.data,
      };
      const index = (event: StreamlensEvent, at: typeof where): void => {
        stats.events++;
        const built = eventItem(event, opts);
        if (!built.ok) {
          quarantine(i, { ...at, code: built.code, message: built.message });
          return;
        }
        if (built.compressed) stats.compressed++;
        plan(i, built.item, {
          fallback: { ...at, code: 'DYNAMODB_REJECTED', message: 'rejected by DynamoDB' },
        });
      };
      if (isGzip(user.data)) {
        // A CloudWatch Logs subscription record: its log lines are app.log events (the decoder
        // every consumer shares); a control message holds nothing to index.
        const cw = decodeCloudWatchLogsRecord(user.data);
        if (!cw.ok) quarantine(i, { ...where, ...cw.error });
        else if (cw.value.kind === 'control') stats.controlMessages++;
        else {
          // Log event k of the record is quarantined (if invalid) under sub-sequence k.
          cw.value.events.forEach((result, k) => {
            const at = { ...where, subSequenceNumber: k };
            if (result.ok) index(result.value, at);
            else quarantine(i, { ...at, ...result.error });
          });
        }
        continue;
      }
      const parsed = parseEventJson(user.data, { maxBytes: opts.maxEventBytes });
      if (!parsed.ok) {
        quarantine(i, { ...where, ...parsed.error });
        continue;
      }
      index(parsed.value, where);
    }
  }

  const planList = [...plans.values()];
  const { failures } = await batchWriteReliably(
    doc,
    opts.tableName,
    planList.map((p) => ({ PutRequest: { Item: p.item } })),
    { ...opts.backoff, deadline, concurrency: opts.writeConcurrency },
  );
  const byKey = new Map(planList.map((p) => [keyString(p.item), p]));
  const unwritten = new Set<Plan>();
  const requarantined = new Set<Plan>();
  const rejected: Plan[] = [];
  for (const failure of failures) {
    const item = failure.entry.PutRequest?.Item as Item | undefined;
    const p = item ? byKey.get(keyString(item)) : undefined;
    if (!p) continue;
    if (ITEM_REJECTED.has(failure.code)) rejected.push(p);
    else unwritten.add(p);
  }
  const writeFailures: SinkFailure<unknown>[] = failures.map((f) => ({
    entry: { pk: f.entry.PutRequest?.Item?.pk, sk: f.entry.PutRequest?.Item?.sk },
    code: f.code,
    ...(f.message === undefined ? {} : { message: f.message }),
  }));

  // Isolate what DynamoDB rejected, one PutItem each (bounded by the deadline like the rest).
  const now = opts.backoff.now ?? Date.now;
  for (const p of rejected) {
    if (now() >= deadline) {
      unwritten.add(p);
      continue;
    }
    const outcome = await putOne(doc, opts.tableName, p.item);
    if (outcome === 'ok') continue;
    if (outcome === 'rejected' && p.fallback) {
      const q = quarantineItem({ ...p.fallback, message: 'DynamoDB rejected the item' }, opts);
      if (q.ok && (await putOne(doc, opts.tableName, q.item)) === 'ok') {
        requarantined.add(p);
        invalid.push({
          shardId: p.fallback.shardId,
          sequenceNumber: p.fallback.sequenceNumber,
          code: 'DYNAMODB_REJECTED',
          message: 'DynamoDB rejected the event item',
          quarantined: true,
        });
        continue;
      }
    }
    unwritten.add(p);
  }

  for (const p of planList) {
    if (unwritten.has(p)) {
      stats.unwritten++;
      for (const index of p.records) failedRecords.add(index);
      if (p.report) p.report.quarantined = false;
    } else if (p.report || requarantined.has(p)) stats.quarantined += p.records.length;
    else stats.indexed += p.records.length;
  }

  return { stats, invalid, writeFailures, failedRecords };
}

/** One PutItem, classified. */
async function putOne(
  doc: DynamoDBDocumentClient,
  tableName: string,
  item: Item,
): Promise<'ok' | 'rejected' | 'failed'> {
  try {
    await doc.send(new PutCommand({ TableName: tableName, Item: item }));
    return 'ok';
  } catch (error) {
    const name = (error as { name?: string } | undefined)?.name ?? '';
    return ITEM_REJECTED.has(name) ? 'rejected' : 'failed';
  }
}
