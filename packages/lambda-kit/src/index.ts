export {
  type BaseClientConfig,
  clientConfig,
  DEFAULT_HTTP_TIMEOUTS,
  type HttpTimeouts,
  httpHandler,
  s3ClientConfig,
} from './clients.js';
export {
  envBool,
  envEnum,
  envInt,
  envList,
  envNumber,
  envString,
  type NumberBounds,
  requireEnv,
} from './env.js';
export {
  ConfigError,
  MissingCredentialsError,
  RetryExhaustedError,
  StreamlensError,
} from './errors.js';
export { type LambdaHandlerOptions, lambdaHandler } from './handler.js';
export { createObservability, MetricUnit, type Observability } from './observability.js';
export {
  type BackoffOptions,
  backoffDelay,
  deadlineFromContext,
  type RetryOptions,
  retryWithBackoff,
} from './retry.js';
