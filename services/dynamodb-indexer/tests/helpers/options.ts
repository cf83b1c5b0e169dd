import type { IndexerOptions } from '../../src/indexer.js';

/** Indexer options for unit tests: no TTL, retries without waiting. */
export const TEST_OPTIONS: IndexerOptions = {
  tableName: 'events',
  typeShards: 4,
  retentionSeconds: 0,
  quarantineRetentionSeconds: 0,
  compressAboveBytes: 16_384,
  maxEventBytes: 1_048_576,
  writeConcurrency: 2,
  backoff: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2, sleep: async () => {} },
};
