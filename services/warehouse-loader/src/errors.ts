import { StreamlensError } from '@streamlens/lambda-kit';

/** Base class of every error the warehouse loader throws. */
export class WarehouseLoaderError extends StreamlensError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'WarehouseLoaderError';
  }
}

/** A Redshift statement ended FAILED or ABORTED; `message` carries Redshift's error text. */
export class StatementFailedError extends WarehouseLoaderError {
  constructor(
    readonly statementId: string,
    readonly status: string,
    readonly redshiftError: string,
  ) {
    super(`statement ${statementId} ${status}: ${redshiftError}`);
    this.name = 'StatementFailedError';
  }
}

/** A statement did not finish before the invocation's deadline (it may still finish later). */
export class StatementTimeoutError extends WarehouseLoaderError {
  constructor(readonly statementId: string) {
    super(`statement ${statementId} still running at the deadline`);
    this.name = 'StatementTimeoutError';
  }
}

/** An SQS message that is not an S3 notification the loader understands. */
export class NotificationError extends WarehouseLoaderError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NotificationError';
  }
}
