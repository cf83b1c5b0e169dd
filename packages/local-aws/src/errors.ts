/** Base class of every error @streamlens/local-aws throws. */
export class LocalAwsError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LocalAwsError';
  }
}

/** A stand-in did not become ready (process exited, port in use, readiness probe timed out). */
export class StandInStartError extends LocalAwsError {
  constructor(
    readonly service: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${service}: ${message}`, options);
    this.name = 'StandInStartError';
  }
}

/** A resource of a `createResources` spec could not be created or did not become ACTIVE. */
export class ResourceError extends LocalAwsError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ResourceError';
  }
}

/** A service was asked for that is not registered, not started, or missing from the environment. */
export class ServiceUnavailableError extends LocalAwsError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ServiceUnavailableError';
  }
}

/** A fault-proxy rule is invalid. */
export class FaultRuleError extends LocalAwsError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FaultRuleError';
  }
}
