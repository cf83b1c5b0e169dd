import { shardIdOf, stopAtFirstFailure } from '@streamlens/lambda-kit/kinesis';
import type { KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import type { BatchOutcome } from './domain/engine.js';
import { compareSeq } from './domain/sequence.js';

/**
 * The partial-batch response: for each shard that stopped, its first unapplied record and every
 * later record of that shard (stop-at-first-failure: Lambda resumes from the lowest one, and
 * reporting the rest keeps the response truthful). An empty list means everything was applied.
 */
export function batchResponse(
  event: KinesisStreamEvent,
  failures: BatchOutcome['failures'],
): KinesisStreamBatchResponse {
  if (failures.length === 0) return { batchItemFailures: [] };
  const from = new Map(failures.map((f) => [f.shardId, f.seq]));
  return stopAtFirstFailure(event.Records, (r) => {
    const start = from.get(shardIdOf(r));
    return start !== undefined && compareSeq(r.kinesis.sequenceNumber, start) >= 0;
  });
}
