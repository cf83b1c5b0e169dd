import { createObservability, deadlineFromContext, lambdaHandler } from '@streamlens/lambda-kit';
import type { KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { bulkSender, createOpenSearchClient } from './client.js';
import { loadConfig } from './config.js';
import { envCredentials } from './credentials.js';
import { objectDeadLetterSink } from './dead-letter.js';
import { indexBatch } from './indexer.js';
import { recordOutcome } from './observe.js';
import { s3ObjectPut } from './s3-put.js';
import { ensureIndexTemplate } from './template.js';

// Built once per container: configuration (fails fast at cold start), observability, clients.
const config = loadConfig();
const { logger, metrics } = createObservability('opensearch-indexer');
// On Lambda the runtime puts the role's credentials in the environment (credentials.ts).
const credentials = envCredentials();
const client = createOpenSearchClient({ ...config.client, credentials });
const send = bulkSender(client);

// Rejected documents and invalid events: one object each in the dead-letter bucket (README).
const deadLetter = config.deadLetterBucket
  ? objectDeadLetterSink(
      s3ObjectPut({
        bucket: config.deadLetterBucket,
        region: config.client.region,
        endpoint: config.s3Endpoint,
        credentials,
      }),
      config.deadLetterPrefix,
    )
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
    const result = await indexBatch(event, { send, deadLetter, onRetry }, config.indexer, deadline);
    recordOutcome(result, { logger, metrics });
    return result.response;
  },
  { logger, metrics },
);
