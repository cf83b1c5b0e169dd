import type { Observability } from '@streamlens/lambda-kit';
import { MetricUnit } from '@streamlens/lambda-kit';
import { batchResponseFrom, decodeKinesisRecord, shardKeyOf } from '@streamlens/lambda-kit/kinesis';
import type { MetricsWindow } from '@streamlens/schema';
import type { KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { decodeWindow } from './decode.js';
import {
  emptyCounters,
  type KnownItem,
  type ProcessCounters,
  type ProcessorDeps,
  processWindowFrom,
} from './processor.js';
import type { SeriesItem } from './scoring.js';

type Logger = Pick<Observability['logger'], 'warn' | 'error'>;
type Metrics = Pick<Observability['metrics'], 'addMetric'>;
const COUNT = MetricUnit.Count;

/** Series processed at once by default (README: how a batch is processed). */
export const DEFAULT_SERIES_CONCURRENCY = 16;

/** Options of `processWindowBatch`. */
export interface WindowBatchOptions {
  /** Series processed concurrently (each series' windows stay in order). */
  readonly concurrency?: number;
  readonly logger?: Logger;
  /** Gets the Kinesis record metrics `processKinesisBatch` emits (same names). */
  readonly metrics?: Metrics;
}

interface Task {
  /** Index of the Kinesis record in its shard's list (the stop point is one of these). */
  readonly position: number;
  readonly sequenceNumber: string;
  readonly window: MetricsWindow;
}

interface Shard {
  readonly sequenceNumbers: string[];
  /** Lowest failed position (decode failure or a window that threw); Infinity: none. */
  failedAt: number;
}

/**
 * Processes a batch of `aggregates` records with the semantics of lambda-kit's
 * `processKinesisBatch` (stop a shard at its first failure, report it and every later record of
 * the shard), but series by series instead of record by record: the series of the batch are read
 * with one BatchGetItem up front, each series' windows run in order, and different series run
 * concurrently (bounded). A failed window stops its series; the shard reports from the lowest
 * failed record on. Records of other series after that point may have been applied already: they
 * are redelivered and are replay no-ops (the item says they were scored, and their alerts left
 * the outbox or stay there for the redelivery to publish).
 */
export async function processWindowBatch(
  event: KinesisStreamEvent,
  deps: ProcessorDeps,
  counters: ProcessCounters = emptyCounters(),
  opts: WindowBatchOptions = {},
): Promise<KinesisStreamBatchResponse> {
  const tally = { failed: 0, decodeFailed: 0 };
  const shards = new Map<string, Shard>();
  const bySeries = new Map<string, { shard: Shard; tasks: Task[] }>();
  for (const raw of event.Records ?? []) {
    const shardKey = shardKeyOf(raw);
    let shard = shards.get(shardKey);
    if (!shard) {
      shard = { sequenceNumbers: [], failedAt: Number.POSITIVE_INFINITY };
      shards.set(shardKey, shard);
    }
    const position = shard.sequenceNumbers.length;
    shard.sequenceNumbers.push(raw.kinesis.sequenceNumber);
    if (shard.failedAt < position) continue; // after a decode failure: reported, not run
    const decoded = decodeKinesisRecord(raw);
    if (!decoded.ok) {
      opts.logger?.error('Kinesis record could not be decoded', { ...decoded.failure });
      shard.failedAt = Math.min(shard.failedAt, position);
      tally.decodeFailed += 1;
      continue;
    }
    for (const record of decoded.records) {
      const w = decodeWindow(record.data);
      if (!w.ok) {
        counters.skipped[w.reason] = (counters.skipped[w.reason] ?? 0) + 1;
        if (w.reason === 'invalid') {
          opts.logger?.warn('skipping invalid aggregates record', {
            sequenceNumber: record.sequenceNumber,
            shardId: record.shardId,
            reason: w.message,
          });
        }
        continue;
      }
      const key = `${shardKey}|${w.window.data.series}`;
      let group = bySeries.get(key);
      if (!group) {
        group = { shard, tasks: [] };
        bySeries.set(key, group);
      }
      group.tasks.push({ position, sequenceNumber: raw.kinesis.sequenceNumber, window: w.window });
    }
  }

  const prefetched = await prefetch(
    deps,
    [...bySeries.values()].map((g) => g.tasks[0]?.window.data.series as string),
    opts.logger,
  );
  const groups = [...bySeries.values()];
  const now = deps.now ?? Date.now;
  const deadline = deps.deadline ?? (() => Number.POSITIVE_INFINITY);
  let outOfTime = false;
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let g = next++; g < groups.length; g = next++) {
      const { shard, tasks } = groups[g] as (typeof groups)[number];
      const series = tasks[0]?.window.data.series as string;
      let known: KnownItem | undefined = prefetched
        ? { item: prefetched.get(series) as SeriesItem | undefined }
        : undefined;
      for (const task of tasks) {
        // Past a failure of its shard (decode or another series): reported anyway, not run.
        if (task.position >= shard.failedAt) break;
        // Out of time: report the rest rather than be killed by the timeout, which would throw
        // away the whole batch's progress (Lambda would retry every record of it).
        if (now() >= deadline()) {
          shard.failedAt = Math.min(shard.failedAt, task.position);
          outOfTime = true;
          break;
        }
        try {
          known = (await processWindowFrom(task.window, deps, counters, known)).after;
        } catch (error) {
          opts.logger?.error('window not processed; reported as a batch item failure', {
            series,
            windowStart: task.window.data.windowStart,
            sequenceNumber: task.sequenceNumber,
            error: error as Error,
          });
          shard.failedAt = Math.min(shard.failedAt, task.position);
          tally.failed += 1;
          break;
        }
      }
    }
  };
  const n = Math.max(1, Math.min(opts.concurrency ?? DEFAULT_SERIES_CONCURRENCY, groups.length));
  await Promise.all(Array.from({ length: n }, worker));
  if (outOfTime) {
    opts.logger?.warn('deadline reached; the rest of the batch is reported for redelivery', {
      windows: groups.reduce((n, g) => n + g.tasks.length, 0),
    });
  }

  const failed: string[] = [];
  for (const shard of shards.values()) {
    for (let i = 0; i < shard.sequenceNumbers.length; i++)
      if (i >= shard.failedAt) failed.push(shard.sequenceNumbers[i] as string);
  }
  const failedSet = new Set(failed);
  if (opts.metrics) {
    // Processed = done and not reported (checkpointed); a window of another series that ran
    // after a failure point is reported (redelivered) and counted as not attempted.
    opts.metrics.addMetric(
      'KinesisRecordsProcessed',
      COUNT,
      (event.Records?.length ?? 0) - failedSet.size,
    );
    opts.metrics.addMetric('KinesisRecordsFailed', COUNT, tally.failed);
    opts.metrics.addMetric('KinesisRecordsDecodeFailed', COUNT, tally.decodeFailed);
    // Reported without having failed themselves (after a failure of their shard, or the deadline).
    opts.metrics.addMetric(
      'KinesisRecordsNotAttempted',
      COUNT,
      Math.max(0, failedSet.size - tally.failed - tally.decodeFailed),
    );
  }
  // In event order, like processKinesisBatch.
  return batchResponseFrom(
    (event.Records ?? []).map((r) => r.kinesis.sequenceNumber).filter((s) => failedSet.has(s)),
  );
}

/** One BatchGetItem for the batch's series (or nothing, when the store cannot). */
async function prefetch(
  deps: ProcessorDeps,
  series: readonly string[],
  logger?: Logger,
): Promise<Map<string, SeriesItem> | undefined> {
  if (!deps.store.getMany || series.length === 0) return undefined;
  try {
    return await deps.store.getMany(series);
  } catch (error) {
    // Not fatal: each series is then read on its own, and a read that fails fails its record.
    logger?.warn('BatchGetItem of the batch series failed; reading series one by one', {
      error: error as Error,
    });
    return undefined;
  }
}
