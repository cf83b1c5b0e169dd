import { StreamlensError } from '@streamlens/lambda-kit';

/** Base class of the errors opensearch-indexer throws. */
export class OpenSearchIndexerError extends StreamlensError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'OpenSearchIndexerError';
  }
}

/**
 * A `_bulk` request failed as a whole (no per-item results). `retryable` for throttling (429),
 * unavailability (502/503/504) and connection errors: the items are sent again after a backoff.
 */
export class BulkRequestError extends OpenSearchIndexerError {
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'BulkRequestError';
  }
}

/** Dead letters could not all be stored (their records are reported failed and retried). */
export class DeadLetterError extends OpenSearchIndexerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DeadLetterError';
  }
}
