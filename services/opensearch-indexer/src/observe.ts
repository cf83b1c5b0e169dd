import { MetricUnit, type Observability } from '@streamlens/lambda-kit';
import type { IndexBatchResult } from './indexer.js';

const COUNT = MetricUnit.Count;

/**
 * Logs and counts one batch: every rejected document with its reason (id, index, status, type;
 * not its content, which may hold personal data: the dead letter keeps it), every invalid event,
 * what was left unfinished, and the batch counters as metrics.
 */
export function recordOutcome(
  result: Omit<IndexBatchResult, 'response'> & Partial<Pick<IndexBatchResult, 'response'>>,
  { logger, metrics }: Pick<Observability, 'logger' | 'metrics'>,
): void {
  const { counts } = result;
  for (const r of result.rejected) {
    logger.warn('Document rejected by OpenSearch', {
      id: r.doc.id,
      index: r.doc.index,
      status: r.status,
      errorType: r.type,
      reason: r.reason,
      deadLettered: counts.deadLettered > 0,
    });
    metrics.addMetric(`DocumentsRejected_${r.type}`, COUNT, 1);
  }
  for (const i of result.invalid) {
    logger.warn('Invalid event', {
      ...i.reason,
      shardId: i.shardId,
      sequenceNumber: i.sequenceNumber,
    });
  }
  if (result.unfinished.length > 0) {
    logger.error('Documents not indexed in time; their records are reported for redelivery', {
      total: result.unfinished.length,
      sample: result.unfinished.slice(0, 10).map((u) => ({ id: u.doc.id, reason: u.reason })),
    });
  }
  if (result.deadLetterError) {
    logger.error('Dead letters could not be stored; their records are reported failed', {
      error: result.deadLetterError as Error,
    });
  }
  metrics.addMetric('KinesisRecords', COUNT, counts.records);
  metrics.addMetric('EventsIndexed', COUNT, counts.indexed);
  metrics.addMetric('DocumentsRejected', COUNT, counts.rejected);
  metrics.addMetric('RecordsInvalid', COUNT, counts.invalid);
  metrics.addMetric('DeadLettered', COUNT, counts.deadLettered);
  metrics.addMetric('DocumentsUnfinished', COUNT, counts.unfinished);
  metrics.addMetric('BulkRequests', COUNT, counts.requests);
  metrics.addMetric('BulkItemsRetried', COUNT, counts.retriedItems);
  metrics.addMetric('ControlMessagesDropped', COUNT, counts.controlMessages);
  // Kinesis: the records reported for redelivery; Kafka: those that fail the invocation.
  const reported = result.response?.batchItemFailures.length ?? counts.failedRecords;
  metrics.addMetric('RecordsReportedFailed', COUNT, reported);
}
