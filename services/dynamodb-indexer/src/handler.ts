import { createObservability, deadlineFromContext, lambdaHandler } from '@streamlens/lambda-kit';
import { createDocumentClient } from '@streamlens/lambda-kit/dynamodb';
import type { KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { loadConfig } from './config.js';
import { indexBatch } from './indexer.js';
import { recordOutcome } from './observe.js';

// Built once per container: configuration (fails fast at cold start), observability, client.
const config = loadConfig();
const { logger, metrics } = createObservability('dynamodb-indexer');
// One SDK attempt per call: indexBatch retries itself and checks the invocation's deadline between
// attempts (the SDK's own throttling backoff knows nothing of it).
const doc = createDocumentClient({ maxAttempts: 1 });

/** Kinesis `events` → DynamoDB events table (idempotent; see README). */
export const handler = lambdaHandler(
  async (event: KinesisStreamEvent, context): Promise<KinesisStreamBatchResponse> => {
    const deadline = deadlineFromContext(context, config.deadlineSafetyMs);
    const result = await indexBatch(event, doc, config.indexer, deadline);
    recordOutcome(result, { logger, metrics });
    return result.response;
  },
  { logger, metrics },
);
