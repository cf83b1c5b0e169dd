/** Base class of every error the producer package throws or rejects with. */
export class ProducerError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ProducerError';
  }
}

/** Invalid options or configuration (CLI flags, agent config, producer options). */
export class ProducerConfigError extends ProducerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ProducerConfigError';
  }
}

/** A record that can never be accepted (over the service's size limit, empty partition key). */
export class RecordRejectedError extends ProducerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RecordRejectedError';
  }
}

/**
 * A record the service did not accept after the bounded retries: `code` is the last per-record
 * `ErrorCode` (e.g. `ProvisionedThroughputExceededException`) or the error name of the call.
 */
export class DeliveryFailedError extends ProducerError {
  readonly code: string;
  readonly attempts: number;
  constructor(code: string, message: string, attempts: number, options?: { cause?: unknown }) {
    super(`${code}: ${message} (after ${attempts} attempt${attempts === 1 ? '' : 's'})`, options);
    this.name = 'DeliveryFailedError';
    this.code = code;
    this.attempts = attempts;
  }
}

/** `put` after `close()`. */
export class ProducerClosedError extends ProducerError {
  constructor() {
    super('the producer is closed');
    this.name = 'ProducerClosedError';
  }
}
