import { envEnum, envInt, envList } from '@streamlens/lambda-kit';

/** Log levels in increasing severity; the order drives the minimum-level filter. */
export const LOG_LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Everything the transform reads from the environment, validated once at cold start. */
export interface TransformConfig {
  /** Event types dropped on purpose (`Dropped`), e.g. types the lake must not keep. */
  denyTypes: ReadonlySet<string>;
  /** `app.log` events below this level are dropped (index into LOG_LEVELS). */
  minLogLevel: LogLevel;
  /**
   * Largest single event (a plain record, or one KPL user record) before it is reported OVERSIZE.
   * 256 KiB by default: what every consumer of the lake can hold (SNS, DynamoDB items are smaller).
   */
  maxEventBytes: number;
  /** Largest response body: Lambda allows 6 MB; the CloudWatch Logs blueprint keeps to 6,000,000. */
  responseLimitBytes: number;
  /** Attempts for each re-ingestion call (PutRecords / PutRecordBatch), with backoff and jitter. */
  reingestMaxAttempts: number;
  /** Time kept in reserve before the Lambda deadline when re-ingesting. */
  reingestSafetyMs: number;
  /** Failure log lines per invocation before they are only counted (the metric still has them all). */
  failureLogLimit: number;
}

/** Defaults, also used by tests and benchmarks. */
export const DEFAULT_CONFIG: TransformConfig = {
  denyTypes: new Set(),
  minLogLevel: 'DEBUG',
  maxEventBytes: 256 * 1024,
  responseLimitBytes: 6_000_000,
  reingestMaxAttempts: 8,
  reingestSafetyMs: 3_000,
  failureLogLimit: 500,
};

/**
 * Reads and validates the configuration. Throws a `ConfigError` naming the variable at fault, so a
 * misconfigured function fails at cold start rather than on its first batch.
 *
 * | variable | default |
 * | --- | --- |
 * | `DENY_TYPES` (comma list) | none |
 * | `MIN_LOG_LEVEL` | `DEBUG` |
 * | `MAX_EVENT_BYTES` | 262,144 |
 * | `RESPONSE_LIMIT_BYTES` | 6,000,000 |
 * | `REINGEST_MAX_ATTEMPTS` | 8 |
 * | `REINGEST_SAFETY_MS` | 3,000 |
 * | `FAILURE_LOG_LIMIT` | 500 |
 */
export function loadConfig(): TransformConfig {
  return {
    denyTypes: new Set(envList('DENY_TYPES')),
    minLogLevel: envEnum('MIN_LOG_LEVEL', LOG_LEVELS, DEFAULT_CONFIG.minLogLevel),
    maxEventBytes: envInt('MAX_EVENT_BYTES', DEFAULT_CONFIG.maxEventBytes, {
      min: 64,
      max: 1_048_576,
    }),
    responseLimitBytes: envInt('RESPONSE_LIMIT_BYTES', DEFAULT_CONFIG.responseLimitBytes, {
      min: 1_024,
      max: 6_291_456,
    }),
    reingestMaxAttempts: envInt('REINGEST_MAX_ATTEMPTS', DEFAULT_CONFIG.reingestMaxAttempts, {
      min: 1,
      max: 50,
    }),
    reingestSafetyMs: envInt('REINGEST_SAFETY_MS', DEFAULT_CONFIG.reingestSafetyMs, {
      min: 0,
      max: 60_000,
    }),
    failureLogLimit: envInt('FAILURE_LOG_LIMIT', DEFAULT_CONFIG.failureLogLimit, {
      min: 0,
      max: 100_000,
    }),
  };
}

/** Severity rank of a level (higher is more severe); unknown levels rank as INFO. */
export function levelRank(level: string): number {
  const i = (LOG_LEVELS as readonly string[]).indexOf(level);
  return i < 0 ? 1 : i;
}
