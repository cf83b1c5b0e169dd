import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type {
  KinesisStreamBatchResponse,
  KinesisStreamEvent,
  KinesisStreamRecord,
} from 'aws-lambda';
import { decodeKinesisRecord, shardIdOf } from './decode.js';
import type { DecodedKinesisRecord, KinesisDecodeFailure } from './types.js';

/** Handles one (user) record; throwing or rejecting marks it failed. */
export type KinesisRecordHandler = (record: DecodedKinesisRecord) => Promise<void> | void;

/** Options of `processKinesisBatch`. */
export interface ProcessKinesisBatchOptions {
  /**
   * Stop a shard at its first failed record and report it and every later record of that shard
   * (default true). Lambda checkpoints at the lowest reported sequence number and redelivers
   * everything after it anyway, so processing later records would only cause duplicates and
   * out-of-order effects. `false` processes every record and reports only the failed ones.
   */
  stopAtFirstFailure?: boolean;
  /**
   * What to do with a record that cannot be decoded (malformed KPL aggregate, bad checksum):
   * `fail` (default) reports it like a handler failure, so retries and the on-failure destination
   * apply; `skip` logs it, counts it and moves on.
   */
  onDecodeFailure?: 'fail' | 'skip';
  logger?: Pick<Logger, 'error' | 'warn'>;
  metrics?: Pick<Metrics, 'addMetric'>;
}

const COUNT = MetricUnit.Count;

interface ShardTally {
  failed: string[];
  processed: number;
  recordFailures: number;
  skipped: number;
  decodeFailures: number;
}

/**
 * A partial batch response reporting `failedSequenceNumbers` (duplicates removed, order kept).
 * An empty list means full success to Lambda.
 */
export function batchResponseFrom(
  failedSequenceNumbers: Iterable<string>,
): KinesisStreamBatchResponse {
  const seen = new Set<string>();
  const batchItemFailures: KinesisStreamBatchResponse['batchItemFailures'] = [];
  for (const itemIdentifier of failedSequenceNumbers) {
    if (seen.has(itemIdentifier)) continue;
    seen.add(itemIdentifier);
    batchItemFailures.push({ itemIdentifier });
  }
  return { batchItemFailures };
}

/**
 * The key Lambda keeps order under: the stream and the shard of a record (`eventSourceARN|shardId`).
 * Records of one key are delivered in sequence order; records of different keys are independent.
 */
export function shardKeyOf(
  record: Pick<KinesisStreamRecord, 'eventID' | 'eventSourceARN'>,
): string {
  return `${record.eventSourceARN}|${shardIdOf(record)}`;
}

/**
 * The stop-at-first-failure response: per shard (`shardKeyOf`), the first record `isFailed` names
 * and every later record of that shard, in event order. Lambda checkpoints at the lowest reported
 * sequence number and delivers the rest again, so reporting them all keeps the answer truthful
 * (docs/aws-contracts.md). An empty list means the whole batch succeeded.
 *
 * @example
 * return stopAtFirstFailure(event.Records, (_record, i) => failedIndexes.has(i));
 */
export function stopAtFirstFailure(
  records: readonly KinesisStreamRecord[],
  isFailed: (record: KinesisStreamRecord, index: number) => boolean,
): KinesisStreamBatchResponse {
  const stopped = new Set<string>();
  const failed: string[] = [];
  for (let i = 0; i < records.length; i++) {
    const r = records[i] as KinesisStreamRecord;
    const shard = shardKeyOf(r);
    if (!stopped.has(shard) && isFailed(r, i)) stopped.add(shard);
    if (stopped.has(shard)) failed.push(r.kinesis.sequenceNumber);
  }
  return batchResponseFrom(failed);
}

async function processShard(
  records: readonly KinesisStreamRecord[],
  handleRecord: KinesisRecordHandler,
  opts: ProcessKinesisBatchOptions,
): Promise<ShardTally> {
  const stop = opts.stopAtFirstFailure ?? true;
  const tally: ShardTally = {
    failed: [],
    processed: 0,
    recordFailures: 0,
    skipped: 0,
    decodeFailures: 0,
  };
  const logDecodeFailure = (failure: KinesisDecodeFailure, level: 'error' | 'warn'): void => {
    opts.logger?.[level]('Kinesis record could not be decoded', { ...failure });
  };
  for (let i = 0; i < records.length; i++) {
    const raw = records[i]!;
    const decoded = decodeKinesisRecord(raw);
    let failed = false;
    if (!decoded.ok) {
      tally.decodeFailures++;
      if ((opts.onDecodeFailure ?? 'fail') === 'skip') {
        logDecodeFailure(decoded.failure, 'warn');
        continue;
      }
      logDecodeFailure(decoded.failure, 'error');
      failed = true;
    } else {
      for (const record of decoded.records) {
        try {
          await handleRecord(record);
          tally.processed++;
        } catch (error) {
          tally.recordFailures++;
          opts.logger?.error('Kinesis record failed', {
            shardId: record.shardId,
            sequenceNumber: record.sequenceNumber,
            subSequenceNumber: record.subSequenceNumber,
            partitionKey: record.partitionKey,
            error: error as Error,
          });
          failed = true;
          // The parent is reported and redelivered whole: its remaining user records would be
          // processed again on the retry, so with stop-at-first-failure they are not run now.
          if (stop) break;
        }
      }
    }
    if (!failed) continue;
    tally.failed.push(raw.kinesis.sequenceNumber);
    if (stop) {
      for (let j = i + 1; j < records.length; j++)
        tally.failed.push(records[j]!.kinesis.sequenceNumber);
      tally.skipped = records.length - i - 1;
      break;
    }
  }
  return tally;
}

/**
 * Runs `handleRecord` over every (de-aggregated) record of a Kinesis event, in order within each
 * shard (shards run concurrently), and returns the `ReportBatchItemFailures` response:
 * - with `stopAtFirstFailure` (default), a shard stops at its first failed record, which is
 *   reported together with every later record of that shard; other shards are not affected;
 * - otherwise every record is processed and only the failed ones are reported;
 * - item identifiers are Kinesis sequence numbers; a failed KPL user record reports its parent;
 * - a failure always yields a non-empty list (an empty list would tell Lambda "all succeeded").
 *
 * @example
 * export const handler = lambdaHandler(
 *   (event: KinesisStreamEvent) => processKinesisBatch(event, onRecord, { logger, metrics }),
 *   { logger, metrics },
 * );
 */
export async function processKinesisBatch(
  event: KinesisStreamEvent,
  handleRecord: KinesisRecordHandler,
  opts: ProcessKinesisBatchOptions = {},
): Promise<KinesisStreamBatchResponse> {
  const shards = new Map<string, KinesisStreamRecord[]>();
  for (const record of event.Records ?? []) {
    // eventSourceARN is part of the key so that two streams' shards of the same id stay apart.
    const key = `${record.eventSourceARN}|${shardIdOf(record)}`;
    const list = shards.get(key);
    if (list) list.push(record);
    else shards.set(key, [record]);
  }
  const tallies = await Promise.all(
    [...shards.values()].map((records) => processShard(records, handleRecord, opts)),
  );
  const failed = new Set<string>();
  let processed = 0;
  let recordFailures = 0;
  let skipped = 0;
  let decodeFailures = 0;
  for (const t of tallies) {
    for (const seq of t.failed) failed.add(seq);
    processed += t.processed;
    recordFailures += t.recordFailures;
    skipped += t.skipped;
    decodeFailures += t.decodeFailures;
  }
  if (opts.metrics) {
    opts.metrics.addMetric('KinesisRecordsProcessed', COUNT, processed);
    opts.metrics.addMetric('KinesisRecordsFailed', COUNT, recordFailures);
    opts.metrics.addMetric('KinesisRecordsDecodeFailed', COUNT, decodeFailures);
    opts.metrics.addMetric('KinesisRecordsNotAttempted', COUNT, skipped);
  }
  // Reported in event order, so that the response reads like the batch it answers.
  return batchResponseFrom(
    (event.Records ?? []).map((r) => r.kinesis.sequenceNumber).filter((s) => failed.has(s)),
  );
}
