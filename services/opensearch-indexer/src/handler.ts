import { createObservability, deadlineFromContext, lambdaHandler } from '@streamlens/lambda-kit';
import { defaultProvider as environmentCredentials } from '@streamlens/lambda-kit/aws-credentials';
import {
  isKafkaEvent,
  KafkaBatchIncompleteError,
  type KafkaEvent,
} from '@streamlens/lambda-kit/kafka';
import type { ObjectPutter } from '@streamlens/lambda-kit/s3-put';
import type { KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { bulkSender, createOpenSearchClient } from './client.js';
import { loadConfig } from './config.js';
import { objectDeadLetterSink, objectPut } from './dead-letter.js';
import { indexBatch, indexKafkaBatch } from './indexer.js';
import { recordOutcome } from './observe.js';
import { ensureIndexTemplate } from './template.js';

// Built once per container: configuration (fails fast at cold start), observability, clients.
const config = loadConfig();
const { logger, metrics } = createObservability('opensearch-indexer');
// On Lambda the runtime puts the role's credentials in the environment (lambda-kit reads them).
const credentials = environmentCredentials();
const client = createOpenSearchClient({ ...config.client, credentials });
const send = bulkSender(client);

let putter: Promise<ObjectPutter> | undefined;
// Rejected documents and invalid events: one object each in the dead-letter bucket (README).
const deadLetter = config.deadLetterBucket
  ? objectDeadLetterSink(
      objectPut(async (request) => {
        putter ??= import('@streamlens/lambda-kit/s3-put').then((m) =>
          m.createObjectPut({
            bucket: config.deadLetterBucket,
            region: config.client.region,
            credentials,
            // The dead-letter sink retries each object itself, within the invocation's deadline.
            maxAttempts: 1,
          }),
        );
        return (await putter)(request);
      }),
      config.deadLetterPrefix,
    )
  : undefined;
// The template must exist before the first daily index is auto-created; one PUT per container.
let templateReady: Promise<void> | undefined;
const onRetry = (info: { attempt: number; items: number; delayMs: number; reason: string }) =>
  logger.info('Retrying bulk items', info);

/**
 * Kinesis `events`, or a Kafka topic (MSK or self-managed), → OpenSearch daily indices (see
 * README). On Kafka, records not done fail the invocation: the mapping retries the batch.
 */
export const handler = lambdaHandler(
  async (event: KinesisStreamEvent | KafkaEvent, context): Promise<KinesisStreamBatchResponse> => {
    if (config.ensureTemplate) {
      templateReady ??= ensureIndexTemplate(client, config.indexer.indexPrefix).catch((error) => {
        templateReady = undefined; // try again on the next invocation
        throw error;
      });
      await templateReady;
    }
    const deadline = deadlineFromContext(context, config.deadlineSafetyMs);
    if (isKafkaEvent(event)) {
      const deps = { send, deadLetter, onRetry };
      const result = await indexKafkaBatch(event, deps, config.indexer, deadline);
      recordOutcome(result, { logger, metrics });
      if (result.unapplied.length > 0) {
        throw new KafkaBatchIncompleteError(result.unapplied.length, result.unapplied);
      }
      return { batchItemFailures: [] };
    }
    const result = await indexBatch(event, { send, deadLetter, onRetry }, config.indexer, deadline);
    recordOutcome(result, { logger, metrics });
    return result.response;
  },
  { logger, metrics },
);
