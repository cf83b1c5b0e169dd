import { ConfigError, envInt, envString, requireEnv } from '@streamlens/lambda-kit';
import type { IndexerOptions } from './indexer.js';
import { MAX_TYPE_SHARDS, resolveTypeShards } from './keys.js';

/** Everything the handler reads from the environment (README: "Configuration"). */
export interface IndexerConfig {
  indexer: IndexerOptions;
  /** Time kept free at the end of the invocation to answer Lambda (ms). */
  deadlineSafetyMs: number;
}

/** Reads and checks the configuration; throws a ConfigError naming the variable at fault. */
export function loadConfig(): IndexerConfig {
  return {
    indexer: {
      tableName: requireEnv('EVENTS_TABLE_NAME'),
      typeShards: typeShardsFromEnv(),
      retentionSeconds: envInt('RETENTION_DAYS', 30, { min: 0, max: 36_500 }) * 86_400,
      quarantineRetentionSeconds:
        envInt('QUARANTINE_RETENTION_DAYS', 14, { min: 0, max: 36_500 }) * 86_400,
      compressAboveBytes: envInt('COMPRESS_ABOVE_BYTES', 16_384, { min: 0, max: 307_200 }),
      maxEventBytes: envInt('MAX_EVENT_BYTES', 1_048_576, { min: 1, max: 1_048_576 }),
      writeConcurrency: envInt('WRITE_CONCURRENCY', 4, { min: 1, max: 32 }),
      backoff: {
        maxAttempts: envInt('WRITE_MAX_ATTEMPTS', 12, { min: 1, max: 100 }),
        baseDelayMs: envInt('WRITE_BASE_DELAY_MS', 50, { min: 1, max: 10_000 }),
        maxDelayMs: envInt('WRITE_MAX_DELAY_MS', 2_000, { min: 1, max: 60_000 }),
      },
    },
    deadlineSafetyMs: envInt('DEADLINE_SAFETY_MS', 3_000, { min: 0, max: 60_000 }),
  };
}

/**
 * `TYPE_SHARDS`, or the count derived from `EXPECTED_EVENTS_PER_SECOND` and `EXPECTED_ITEM_BYTES`
 * (`typeShardsFor`); a rate needing more than `MAX_TYPE_SHARDS` is a ConfigError.
 */
function typeShardsFromEnv(): number {
  const setting = {
    typeShards:
      envString('TYPE_SHARDS', '') === ''
        ? undefined
        : envInt('TYPE_SHARDS', 8, { min: 1, max: MAX_TYPE_SHARDS }),
    expectedRate: envInt('EXPECTED_EVENTS_PER_SECOND', 0, { min: 0, max: 10_000_000 }),
    expectedItemBytes: envInt('EXPECTED_ITEM_BYTES', 1024, { min: 1, max: 409_600 }),
  };
  try {
    return resolveTypeShards(setting);
  } catch (error) {
    throw new ConfigError('EXPECTED_EVENTS_PER_SECOND', (error as Error).message, { cause: error });
  }
}
