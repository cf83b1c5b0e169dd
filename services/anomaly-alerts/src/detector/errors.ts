import { AnomalyAlertsError } from '../errors.js';

/** Base error of the anomaly detector module. */
export class DetectorError extends AnomalyAlertsError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DetectorError';
  }
}

/** A serialised detector state is malformed, of an unknown version, or oversized. */
export class DetectorStateError extends DetectorError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DetectorStateError';
  }
}
