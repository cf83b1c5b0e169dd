import { StreamlensError } from '@streamlens/lambda-kit';

/** Base class of the errors this service throws (configuration, query arguments). */
export class IndexerError extends StreamlensError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'IndexerError';
  }
}

/** A query was asked with arguments that cannot be answered (bad time, bad limit, no table). */
export class QueryArgumentError extends IndexerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'QueryArgumentError';
  }
}

/** A stored item could not be turned back into an event (corrupt compressed payload). */
export class ItemDecodeError extends IndexerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ItemDecodeError';
  }
}
