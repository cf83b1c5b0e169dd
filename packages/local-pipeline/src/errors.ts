/** Base error of the local pipeline. */
export class LocalPipelineError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'LocalPipelineError';
  }
}

/** A serverless.yml that cannot be read or resolved. */
export class ServiceConfigError extends LocalPipelineError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ServiceConfigError';
  }
}

/** A function container that could not load or run its handler. */
export class FunctionRuntimeError extends LocalPipelineError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'FunctionRuntimeError';
  }
}
