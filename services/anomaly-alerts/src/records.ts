import type { Observability } from '@streamlens/lambda-kit';
import { MetricUnit } from '@streamlens/lambda-kit';
import type { DecodedKinesisRecord } from '@streamlens/lambda-kit/kinesis';
import { decodeWindow } from './decode.js';
import { type ProcessCounters, type ProcessorDeps, processWindow } from './processor.js';

type Logger = Observability['logger'];
type Metrics = Observability['metrics'];

/**
 * The per-record function given to processKinesisBatch: decode, skip what is not a window (an
 * invalid record is logged and skipped: retrying cannot fix it, and it must not block the shard),
 * score and publish. Throwing marks the record (and the rest of its shard) failed.
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

const COUNT = MetricUnit.Count;

/** Emits an invocation's counters as metrics and one summary log line. */
export function recordCounters(
  c: ProcessCounters,
  metrics: Pick<Metrics, 'addMetric'>,
  logger?: Pick<Logger, 'info'>,
): void {
  metrics.addMetric('WindowsScored', COUNT, c.scored);
  metrics.addMetric('AlertsOpened', COUNT, c.alertsOpened);
  metrics.addMetric('AlertsRecovered', COUNT, c.alertsRecovered);
  metrics.addMetric('AlertsPublished', COUNT, c.published);
  metrics.addMetric('AlertsSuppressed', COUNT, c.suppressed);
  metrics.addMetric('StateConflicts', COUNT, c.conflicts);
  metrics.addMetric('CorrectionsLatest', COUNT, c.correctionsLatest);
  metrics.addMetric('CorrectionsOlder', COUNT, c.correctionsOlder);
  metrics.addMetric('AlertsWithdrawn', COUNT, c.alertsWithdrawn);
  metrics.addMetric('AlertsCompensated', COUNT, c.alertsCompensated);
  for (const [reason, n] of Object.entries(c.skipped)) {
    metrics.addMetric(`WindowsSkipped_${reason}`, COUNT, n);
  }
  logger?.info('batch done', { ...c });
}
