import { StreamlensError } from '@streamlens/lambda-kit';

/** Base error of the anomaly-alerts service (the detector's DetectorError extends it). */
export class AnomalyAlertsError extends StreamlensError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AnomalyAlertsError';
  }
}

/** The state item changed under us more often than `maxConflictRetries` allows. */
export class StateConflictError extends AnomalyAlertsError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StateConflictError';
  }
}

/** Some alerts of a record could not be published; they stay in the outbox for the retry. */
export class PublishError extends AnomalyAlertsError {
  constructor(
    message: string,
    readonly failures: readonly { id: string; code: string; message?: string }[],
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'PublishError';
  }
}
