import type { KinesisStreamEvent } from 'aws-lambda';
import type { DeadLetter } from '../../src/dead-letter.js';
import { type IndexerOptions, indexBatch } from '../../src/indexer.js';
import { fakeBulk } from './fake-bulk.js';

/** Indexer options for unit tests: retries without waiting. */
export const TEST_OPTIONS: IndexerOptions = {
  indexPrefix: 'events',
  maxEventBytes: 1_048_576,
  bulk: { maxAttempts: 3, sleep: async () => undefined },
};

/** Indexes `event` into a fresh in-memory `_bulk` endpoint, keeping the dead letters. */
export async function runBatch(event: KinesisStreamEvent) {
  const fake = fakeBulk();
  const letters: DeadLetter[] = [];
  const result = await indexBatch(
    event,
    { send: fake.send, deadLetter: async (l) => void letters.push(...l) },
    TEST_OPTIONS,
    Date.now() + 60_000,
  );
  return { result, fake, letters };
}
