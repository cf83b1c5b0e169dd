import {
  envBool,
  envEnum,
  envInt,
  envList,
  envNumber,
  envString,
  requireEnv,
} from '@streamlens/lambda-kit';
import { DEFAULT_ENGINE_CONFIG, type EngineConfig } from './domain/engine.js';

/** Everything the handler reads from the environment (README: configuration table). */
export type AggregatorConfig = {
  engine: EngineConfig;
  seriesDimensions: string[];
  stateTableName: string;
  /** Set when WINDOW_TABLE is `on`: the window table, an optional query store. */
  windowTableName: string | undefined;
  aggregatesStreamName: string;
  lakeBucketName: string;
  archivePrefix: string;
  lateDataPrefix: string;
  markerBuckets: number;
  stateTtlSeconds: number;
  windowTtlSeconds: number;
  deadlineSafetyMs: number;
  /**
   * The compiled query file run beside the per-series windows (docs/queries.md); a path inside
   * the function's package (relative to its root). Undefined: the per-series windows only.
   */
  queryFile: string | undefined;
};

/** Reads and checks the configuration; throws a ConfigError naming the variable at fault. */
export function loadConfig(): AggregatorConfig {
  const windowSeconds = envInt('WINDOW_SECONDS', 60, { min: 1, max: 86_400 });
  const parallelization = envInt('PARALLELIZATION_FACTOR', 1, { min: 1, max: 10 });
  const engine: EngineConfig = {
    ...DEFAULT_ENGINE_CONFIG,
    windowMs: windowSeconds * 1000,
    allowedLatenessMs: envInt('ALLOWED_LATENESS_SECONDS', 30, { min: 0, max: 86_400 }) * 1000,
    maxLatenessMs: envInt('MAX_LATENESS_SECONDS', 3600, { min: 0, max: 30 * 86_400 }) * 1000,
    alpha: envNumber('SKETCH_ALPHA', 0.01, { min: 0.0001, max: 0.5 }),
    maxBins: envInt('SKETCH_MAX_BINS', 2048, { min: 16, max: 8192 }),
    maxEventsPerDelta: envInt('MAX_EVENTS_PER_DELTA', 8000, { min: 1, max: 15_000 }),
    // Lambda keeps order per partition key, not per shard, when the factor is above 1.
    laneByPartitionKey: parallelization > 1,
    invalidRecords: envEnum('INVALID_RECORDS', ['route', 'report'] as const, 'route'),
    emitSketch: envBool('EMIT_SKETCH', true),
    flushLimit: envInt('FLUSH_LIMIT', 1000, { min: 1, max: 100_000 }),
    flushShards: envInt('FLUSH_SHARDS', 1, { min: 1, max: 1000 }),
    idleMs: envInt('IDLE_TIMEOUT_SECONDS', 60, { min: 1, max: 86_400 }) * 1000,
  };
  return {
    engine,
    seriesDimensions: envList('SERIES_DIMENSIONS'),
    stateTableName: requireEnv('STATE_TABLE_NAME'),
    windowTableName:
      envEnum('WINDOW_TABLE', ['on', 'off'] as const, 'off') === 'on'
        ? requireEnv('WINDOW_TABLE_NAME')
        : undefined,
    aggregatesStreamName: requireEnv('AGGREGATES_STREAM_NAME'),
    lakeBucketName: requireEnv('LAKE_BUCKET_NAME'),
    archivePrefix: envString('ARCHIVE_PREFIX', 'aggregates/'),
    lateDataPrefix: envString('LATE_DATA_PREFIX', 'late-data/stream-aggregator/'),
    markerBuckets: envInt('MARKER_BUCKETS', 4, { min: 1, max: 64 }),
    stateTtlSeconds: envInt('STATE_TTL_DAYS', 7, { min: 1, max: 3650 }) * 86_400,
    windowTtlSeconds: envInt('WINDOW_TTL_DAYS', 7, { min: 1, max: 3650 }) * 86_400,
    deadlineSafetyMs: envInt('DEADLINE_SAFETY_MS', 3000, { min: 0, max: 60_000 }),
    queryFile: envString('QUERY_FILE', '') || undefined,
  };
}
