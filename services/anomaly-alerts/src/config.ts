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
}

/** Reads and checks the configuration; throws a ConfigError naming the variable at fault. */
export function loadConfig(): AnomalyAlertsConfig {
  const d = DEFAULT_ALERTING_CONFIG;
  return {
    stateTableName: requireEnv('STATE_TABLE_NAME'),
    alertsTopicArn: requireEnv('ALERTS_TOPIC_ARN'),
    // One detector configuration for every series, the same as `pnpm detect` (no per-series tuning).
    detector: DEFAULT_DETECTOR_CONFIG,
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
  };
}
