import { envBool, envEnum, envInt, envString, requireEnv } from '@streamlens/lambda-kit';
import { type OpenSearchClientOptions, SIGNING_MODES } from './client.js';
import type { IndexerOptions } from './indexer.js';

/** Everything the handler reads from the environment (README: "Configuration"). */
export interface Config {
  readonly client: OpenSearchClientOptions;
  readonly indexer: IndexerOptions;
  /** Put the index template once per container before the first batch. */
  readonly ensureTemplate: boolean;
  /** Dead-letter bucket and prefix; empty (or `none`): rejected records are reported failed instead. */
  readonly deadLetterBucket: string;
  readonly deadLetterPrefix: string;
  /** Time kept free at the end of the invocation to answer Lambda (ms). */
  readonly deadlineSafetyMs: number;
}

/** Reads and checks the configuration; throws a ConfigError naming the variable at fault. */
export function loadConfig(): Config {
  return {
    client: {
      endpoint: requireEnv('OPENSEARCH_ENDPOINT'),
      region: envString('AWS_REGION', 'us-east-1'),
      service: envEnum('OPENSEARCH_SERVICE', ['es', 'aoss'] as const, 'es'),
      signing: envEnum('OPENSEARCH_SIGNING', SIGNING_MODES, 'auto'),
      requestTimeoutMs: envInt('OPENSEARCH_REQUEST_TIMEOUT_MS', 20_000, { min: 100, max: 900_000 }),
    },
    indexer: {
      indexPrefix: envString('INDEX_PREFIX', 'events'),
      maxEventBytes: envInt('MAX_EVENT_BYTES', 1_048_576, { min: 1, max: 10_485_760 }),
      bulk: {
        maxDocs: envInt('BULK_MAX_DOCS', 1000, { min: 1, max: 10_000 }),
        maxBytes: envInt('BULK_MAX_BYTES', 5 * 1024 * 1024, { min: 1024, max: 100 * 1024 * 1024 }),
        maxAttempts: envInt('BULK_MAX_ATTEMPTS', 8, { min: 1, max: 100 }),
        baseDelayMs: envInt('BULK_BASE_DELAY_MS', 100, { min: 1, max: 10_000 }),
        maxDelayMs: envInt('BULK_MAX_DELAY_MS', 2_000, { min: 1, max: 60_000 }),
      },
    },
    ensureTemplate: envBool('ENSURE_TEMPLATE', true),
    // `none` (or empty) turns dead-lettering off: rejected records are then reported failed.
    deadLetterBucket: envString('DEAD_LETTER_BUCKET', '').replace(/^none$/, ''),
    deadLetterPrefix: envString('DEAD_LETTER_PREFIX', 'dead-letter/opensearch-indexer/'),
    deadlineSafetyMs: envInt('DEADLINE_SAFETY_MS', 3_000, { min: 0, max: 60_000 }),
  };
}
