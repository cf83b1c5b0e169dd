import { createObservability, deadlineFromContext, lambdaHandler } from '@streamlens/lambda-kit';
import { createDocumentClient } from '@streamlens/lambda-kit/dynamodb';
import {
  isKafkaEvent,
  KafkaBatchIncompleteError,
  type KafkaEvent,
} from '@streamlens/lambda-kit/kafka';
import type { KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { loadConfig } from './config.js';
import { indexBatch, indexKafkaBatch } from './indexer.js';
import { recordOutcome } from './observe.js';

// Built once per container: configuration (fails fast at cold start), observability, client.
const config = loadConfig();
const { logger, metrics } = createObservability('dynamodb-indexer');
// One SDK attempt per call: indexBatch retries itself and checks the invocation's deadline between
// attempts (the SDK's own throttling backoff knows nothing of it).
const doc = createDocumentClient({ maxAttempts: 1 });

/**
 * Kinesis `events`, or a Kafka topic (MSK or self-managed), → DynamoDB events table (idempotent;
 * see README). On Kafka, records not written fail the invocation: the mapping retries the batch.
 */
export const handler = lambdaHandler(
  async (event: KinesisStreamEvent | KafkaEvent, context): Promise<KinesisStreamBatchResponse> => {
    const deadline = deadlineFromContext(context, config.deadlineSafetyMs);
    if (isKafkaEvent(event)) {
      const result = await indexKafkaBatch(event, doc, config.indexer, deadline);
      recordOutcome(result, { logger, metrics });
      if (result.unapplied.length > 0) {
        throw new KafkaBatchIncompleteError(result.unapplied.length, result.unapplied);
      }
      return { batchItemFailures: [] };
    }
    const result = await indexBatch(event, doc, config.indexer, deadline);
    recordOutcome(result, { logger, metrics });
    return result.response;
  },
  { logger, metrics },
);
