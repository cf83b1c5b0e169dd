import type { Observability } from '@streamlens/lambda-kit';
import { MetricUnit } from '@streamlens/lambda-kit';
import type { ProcessCounters } from './processor.js';

type Logger = Observability['logger'];
type Metrics = Observability['metrics'];

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
