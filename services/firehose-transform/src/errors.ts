import { StreamlensError } from '@streamlens/lambda-kit';

/** Base class of the errors this service throws (never for bad records: those get a result). */
export class FirehoseTransformError extends StreamlensError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FirehoseTransformError';
  }
}

/** The invocation is not a Firehose transformation request (a wiring mistake, not bad data). */
export class InvalidInvocationError extends FirehoseTransformError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InvalidInvocationError';
  }
}

/**
 * Records that had no room in the response could not be put back into the pipeline. Thrown so that
 * Firehose retries the whole invocation (and, once its retries are spent, writes every record of
 * the batch to the `processing-failed` error prefix): nothing is lost, at the cost of duplicates
 * for the records that were re-ingested before the failure (event ids make them idempotent).
 */
export class ReingestionError extends FirehoseTransformError {
  readonly failedCount: number;

  constructor(message: string, failedCount: number, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ReingestionError';
    this.failedCount = failedCount;
  }
}
