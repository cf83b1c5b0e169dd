/**
 * Base class of every error the toolkit throws, so that callers can tell toolkit failures from
 * their own with one `instanceof` check.
 */
export class StreamlensError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StreamlensError';
  }
}

/** A required environment variable is missing or holds a value the function cannot use. */
export class ConfigError extends StreamlensError {
  /** The environment variable at fault. */
  readonly variable: string;

  constructor(variable: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ConfigError';
    this.variable = variable;
  }
}

/** `retryWithBackoff` gave up: attempts exhausted or the deadline reached. `cause` is the last error. */
export class RetryExhaustedError extends StreamlensError {
  readonly attempts: number;

  constructor(message: string, attempts: number, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RetryExhaustedError';
    this.attempts = attempts;
  }
}

/**
 * A deployed bundle found no AWS credentials in its environment (see `aws-credentials.ts`: the
 * bundles carry only the environment provider, which is where Lambda puts them).
 */
export class MissingCredentialsError extends StreamlensError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MissingCredentialsError';
  }
}

/** What went wrong with one `PutObject` of `createObjectPut` (`@streamlens/lambda-kit/s3-put`). */
export interface S3PutFailure {
  readonly bucket: string;
  readonly key: string;
  /** HTTP status of the last response; absent when none came (network error, timeout). */
  readonly status?: number;
  /**
   * S3's error `Code` from the XML body (`SlowDown`, `AccessDenied`, `NoSuchBucket`, `BadDigest`,
   * ...), `Http<status>` when the body had none, or the network error's code (`ECONNRESET`,
   * `TimeoutError`), or `DeadlineExceeded` / `SigningFailed` / `MissingRegion`.
   */
  readonly code: string;
  readonly requestId?: string;
  /** Attempts made (0 when the deadline had passed before the first). */
  readonly attempts: number;
  /** Whether the failure was transient (retried while attempts and time remained). */
  readonly retryable: boolean;
}

/** A `PutObject` of `createObjectPut` failed; the fields say how (see {@link S3PutFailure}). */
export class S3PutError extends StreamlensError implements S3PutFailure {
  readonly bucket: string;
  readonly key: string;
  readonly status?: number;
  readonly code: string;
  readonly requestId?: string;
  readonly attempts: number;
  readonly retryable: boolean;

  constructor(message: string, failure: S3PutFailure, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'S3PutError';
    this.bucket = failure.bucket;
    this.key = failure.key;
    if (failure.status !== undefined) this.status = failure.status;
    this.code = failure.code;
    if (failure.requestId !== undefined) this.requestId = failure.requestId;
    this.attempts = failure.attempts;
    this.retryable = failure.retryable;
  }
}
