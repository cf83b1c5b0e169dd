import { envEnum, envInt, envNumber, requireEnv } from '@streamlens/lambda-kit';
import { type AlertingConfig, DEFAULT_ALERTING_CONFIG } from './alerting/episode.js';
import { DEFAULT_DETECTOR_CONFIG, type DetectorConfig } from './detector/index.js';

/** Everything the handler reads from the environment (README: configuration). */
export interface AnomalyAlertsConfig {
  readonly stateTableName: string;
  readonly alertsTopicArn: string;
  readonly detector: DetectorConfig;
  readonly alerting: AlertingConfig;
  readonly maxConflictRetries: number;
  readonly outboxLeaseMs: number;
  readonly publishMaxAttempts: number;
  readonly deadlineSafetyMs: number;
  /** Series of a batch processed concurrently (each series' windows in order). */
  readonly seriesConcurrency: number;
}

/** Smallest accepted warm-up: below it a standard deviation is not estimated to within ±25%. */
export const MIN_WARMUP_POINTS = 10;

/**
 * The detector configuration: `DEFAULT_DETECTOR_CONFIG` with `DETECTOR_WARMUP_POINTS` (default 30,
 * 10..100000) applied. The Lambda and `pnpm detect` both read it, so the two stay the same; only a
 * short local run should lower it (the first score comes after about twice the warm-up).
 */
export function detectorConfigFromEnv(): DetectorConfig {
  const d = DEFAULT_DETECTOR_CONFIG;
  const warmupPoints = envInt('DETECTOR_WARMUP_POINTS', d.warmupPoints, {
    min: MIN_WARMUP_POINTS,
    max: 100_000,
  });
  return warmupPoints === d.warmupPoints ? d : Object.freeze({ ...d, warmupPoints });
}

/** Reads and checks the configuration; throws a ConfigError naming the variable at fault. */
export function loadConfig(): AnomalyAlertsConfig {
  const d = DEFAULT_ALERTING_CONFIG;
  return {
    stateTableName: requireEnv('STATE_TABLE_NAME'),
    alertsTopicArn: requireEnv('ALERTS_TOPIC_ARN'),
    // One detector configuration for every series, the same as `pnpm detect` (no per-series tuning).
    detector: detectorConfigFromEnv(),
    alerting: {
      threshold: envNumber('ALERT_THRESHOLD', d.threshold, { min: 0, max: 1 }),
      severityCuts: d.severityCuts,
      recoveryWindows: envInt('RECOVERY_WINDOWS', d.recoveryWindows, { min: 1, max: 1000 }),
      cooldownSeconds: envInt('COOLDOWN_SECONDS', d.cooldownSeconds, { min: 0, max: 7 * 86_400 }),
      logDirection: envEnum('LOG_ALERT_DIRECTION', ['up', 'both'] as const, d.logDirection),
    },
    maxConflictRetries: envInt('MAX_CONFLICT_RETRIES', 5, { min: 0, max: 50 }),
    outboxLeaseMs: envInt('OUTBOX_LEASE_MS', 10_000, { min: 0, max: 900_000 }),
    publishMaxAttempts: envInt('PUBLISH_MAX_ATTEMPTS', 5, { min: 1, max: 20 }),
    deadlineSafetyMs: envInt('DEADLINE_SAFETY_MS', 3000, { min: 0, max: 60_000 }),
    seriesConcurrency: envInt('SERIES_CONCURRENCY', 16, { min: 1, max: 100 }),
  };
}
