import { createObservability, deadlineFromContext, lambdaHandler } from '@streamlens/lambda-kit';
import { createDocumentClient } from '@streamlens/lambda-kit/dynamodb';
import { processKinesisBatch } from '@streamlens/lambda-kit/kinesis';
import { createSnsClient } from '@streamlens/lambda-kit/sns';
import type { KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { loadConfig } from './config.js';
import { emptyCounters } from './processor.js';
import { SnsAlertPublisher } from './publisher.js';
import { createRecordHandler, recordCounters } from './records.js';
import { DynamoSeriesStore } from './store.js';

// Built once per container: configuration (fails fast), clients, store, publisher.
const config = loadConfig();
const { logger, metrics } = createObservability('anomaly-alerts');
let deadline = Date.now() + 60_000;
const store = new DynamoSeriesStore(createDocumentClient(), config.stateTableName);
const publisher = new SnsAlertPublisher(createSnsClient(), config.alertsTopicArn, {
  maxAttempts: config.publishMaxAttempts,
  deadline: () => deadline,
});

/** Kinesis `aggregates` (metrics.window) → per-series detector in DynamoDB → alerts to SNS. */
export const handler = lambdaHandler(
  async (event: KinesisStreamEvent, context): Promise<KinesisStreamBatchResponse> => {
    deadline = deadlineFromContext(context, config.deadlineSafetyMs);
    const counters = emptyCounters();
    const onRecord = createRecordHandler(
      { ...config, store, publisher, deadline: () => deadline },
      counters,
      logger,
    );
    const response = await processKinesisBatch(event, onRecord, { logger, metrics });
    recordCounters(counters, metrics, logger);
    return response;
  },
  { logger, metrics },
);
