import { MetricUnit, type Observability } from '@streamlens/lambda-kit';
import type { IndexBatchResult } from './indexer.js';

const COUNT = MetricUnit.Count;

/**
 * Logs and counts one batch: every invalid record with its reason (never its payload, which may
 * hold personal data; the quarantine item keeps it), write failures, and the batch counters.
 */
export function recordOutcome(
  result: Pick<IndexBatchResult, 'stats' | 'invalid' | 'writeFailures'>,
  { logger, metrics }: Pick<Observability, 'logger' | 'metrics'>,
): void {
  const { stats } = result;
  for (const report of result.invalid) {
    // `message` is reserved by the Powertools logger: the reason goes under `reason`.
    const { message, ...rest } = report;
    logger.warn(report.quarantined ? 'Invalid record quarantined' : 'Invalid record not stored', {
      ...rest,
      reason: message,
    });
    metrics.addMetric(`RecordsInvalid_${report.code}`, COUNT, 1);
  }
  if (result.writeFailures.length > 0) {
    logger.error('Items not written; their records are reported for redelivery', {
      failures: result.writeFailures.slice(0, 20),
      total: result.writeFailures.length,
    });
  }
  metrics.addMetric('KinesisRecords', COUNT, stats.records);
  metrics.addMetric('EventsIndexed', COUNT, stats.indexed);
  metrics.addMetric('EventsCompressed', COUNT, stats.compressed);
  metrics.addMetric('RecordsQuarantined', COUNT, stats.quarantined);
  metrics.addMetric('RecordsInvalid', COUNT, result.invalid.length);
  metrics.addMetric('DuplicateKeysInBatch', COUNT, stats.duplicateKeys);
  metrics.addMetric('ItemsNotWritten', COUNT, stats.unwritten);
  metrics.addMetric('RecordsReportedFailed', COUNT, stats.reported);
  metrics.addMetric('ControlMessagesDropped', COUNT, stats.controlMessages);
}
