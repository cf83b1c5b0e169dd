import { StreamlensError } from '@streamlens/lambda-kit';

/** Base error of the stream aggregator. */
export class AggregatorError extends StreamlensError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AggregatorError';
  }
}

/** A sink (aggregates stream, S3) did not take everything it was given within the deadline. */
export class SinkError extends AggregatorError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SinkError';
  }
}

/** DynamoDB kept throttling (or failing) until the deadline: the batch stops at this sub-batch. */
export class StateStoreError extends AggregatorError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StateStoreError';
  }
}
