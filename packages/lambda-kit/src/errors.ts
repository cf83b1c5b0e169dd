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
