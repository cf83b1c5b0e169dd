import { createObservability, deadlineFromContext, lambdaHandler } from '@streamlens/lambda-kit';
import { createS3Client } from '@streamlens/lambda-kit/s3';
import type { KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { bulkSender, createOpenSearchClient } from './client.js';
import { loadConfig } from './config.js';
import { s3DeadLetterSink } from './dead-letter.js';
import { indexBatch } from './indexer.js';
import { recordOutcome } from './observe.js';
import { ensureIndexTemplate } from './template.js';

// Built once per container: configuration (fails fast at cold start), observability, clients.
const config = loadConfig();
const { logger, metrics } = createObservability('opensearch-indexer');
const client = createOpenSearchClient(config.client);
const send = bulkSender(client);
const deadLetter = config.deadLetterBucket
  ? s3DeadLetterSink(createS3Client(), config.deadLetterBucket, config.deadLetterPrefix)
  : undefined;
// The template must exist before the first daily index is auto-created; one PUT per container.
let templateReady: Promise<void> | undefined;
const onRetry = (info: { attempt: number; items: number; delayMs: number; reason: string }) =>
  logger.info('Retrying bulk items', info);

/** Kinesis `events` → OpenSearch daily indices (see README). */
export const handler = lambdaHandler(
  async (event: KinesisStreamEvent, context): Promise<KinesisStreamBatchResponse> => {
    if (config.ensureTemplate) {
      templateReady ??= ensureIndexTemplate(client, config.indexer.indexPrefix).catch((error) => {
        templateReady = undefined; // try again on the next invocation
        throw error;
      });
      await templateReady;
    }
    const deadline = deadlineFromContext(context, config.deadlineSafetyMs);
    const result = await indexBatch(
      event,
      { send, deadLetter, onRetry },
      config.indexer,
      deadline,
      context.awsRequestId,
    );
    recordOutcome(result, { logger, metrics });
    return result.response;
  },
  { logger, metrics },
);
