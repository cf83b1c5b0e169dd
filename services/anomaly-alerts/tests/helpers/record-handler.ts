import type { Observability } from '@streamlens/lambda-kit';
import type { DecodedKinesisRecord } from '@streamlens/lambda-kit/kinesis';
import { decodeWindow } from '../../src/decode.js';
import { type ProcessCounters, type ProcessorDeps, processWindow } from '../../src/processor.js';

type Logger = Observability['logger'];

/**
 * A one-record-at-a-time reference for the batch processor (`processWindowBatch`), for
 * lambda-kit's processKinesisBatch: decode, skip what is not a window, score and publish.
 * Throwing marks the record (and the rest of its shard) failed. The tests compare the concurrent
 * production path with it.
 */
export function createRecordHandler(
  deps: ProcessorDeps,
  counters: ProcessCounters,
  logger?: Pick<Logger, 'warn' | 'error'>,
): (record: DecodedKinesisRecord) => Promise<void> {
  return async (record) => {
    const decoded = decodeWindow(record.data);
    if (!decoded.ok) {
      counters.skipped[decoded.reason] = (counters.skipped[decoded.reason] ?? 0) + 1;
      if (decoded.reason === 'invalid') {
        logger?.warn('skipping invalid aggregates record', {
          sequenceNumber: record.sequenceNumber,
          shardId: record.shardId,
          reason: decoded.message,
        });
      }
      return;
    }
    try {
      await processWindow(decoded.window, deps, counters);
    } catch (error) {
      logger?.error('window not processed; reported as a batch item failure', {
        series: decoded.window.data.series,
        windowStart: decoded.window.data.windowStart,
        sequenceNumber: record.sequenceNumber,
        error: error as Error,
      });
      throw error;
    }
  };
}
