import type { Observability } from '@streamlens/lambda-kit';
import type { ConsumedUnits } from './adapters/dynamo-store.js';
import type { BatchOutcome } from './domain/engine.js';

/** Logs one invocation's outcome and publishes its counters as metrics. */
export function recordOutcome(
  out: BatchOutcome,
  records: number,
  { logger, metrics }: Observability,
  units: ConsumedUnits,
): void {
  // Capacity units as DynamoDB reported them: per event, the cost of the state design.
  metrics.addMetric('DynamoWriteUnits', 'Count', units.write);
  metrics.addMetric('DynamoReadUnits', 'Count', units.read);
  metrics.addMetric('RecordsReceived', 'Count', records);
  metrics.addMetric('RecordsApplied', 'Count', out.applied);
  metrics.addMetric('RecordsDuplicate', 'Count', out.duplicates);
  metrics.addMetric('RecordsCorrection', 'Count', out.corrections);
  metrics.addMetric('RecordsTooLate', 'Count', out.tooLate);
  metrics.addMetric('RecordsInvalid', 'Count', out.invalid);
  metrics.addMetric('WindowsEmitted', 'Count', out.emitted);
  metrics.addMetric('CommitConflicts', 'Count', out.conflicts);
  metrics.addMetric('BatchFailures', 'Count', out.failures.length);
  const { failures, flushError, ...counters } = out;
  logger.info('batch processed', {
    records,
    writeUnits: units.write,
    readUnits: units.read,
    ...counters,
    failures: failures.map((f) => ({
      shardId: f.shardId,
      sequenceNumber: f.seq,
      error: String(f.error),
    })),
    ...(flushError ? { flushError: String(flushError) } : {}),
  });
}

/** Logs and counts one scheduled idle flush. */
export function recordIdleFlush(
  emitted: number,
  { logger, metrics }: Observability,
  units: ConsumedUnits,
): void {
  metrics.addMetric('WindowsEmittedIdle', 'Count', emitted);
  metrics.addMetric('DynamoWriteUnits', 'Count', units.write);
  metrics.addMetric('DynamoReadUnits', 'Count', units.read);
  logger.info('idle flush', { emitted, writeUnits: units.write, readUnits: units.read });
}
