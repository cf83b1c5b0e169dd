import { createObservability, deadlineFromContext, lambdaHandler } from '@streamlens/lambda-kit';
import { processKinesisBatch } from '@streamlens/lambda-kit/kinesis';
import type { KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { loadConfig } from './config.js';
import { type AnomalyAlertsIo, createIo } from './io.js';
import { emptyCounters } from './processor.js';
import { createRecordHandler, recordCounters } from './records.js';

// At load: only the configuration (fails fast) and observability.
const config = loadConfig();
const { logger, metrics } = createObservability('anomaly-alerts');
let deadline = Date.now() + 60_000;
// The DynamoDB and SNS clients are built on the first batch and then reused, not at load
// (README: cold start).
let io: AnomalyAlertsIo | undefined;

/** Kinesis `aggregates` (metrics.window) → per-series detector in DynamoDB → alerts to SNS. */
export const handler = lambdaHandler(
  async (event: KinesisStreamEvent, context): Promise<KinesisStreamBatchResponse> => {
    deadline = deadlineFromContext(context, config.deadlineSafetyMs);
    io ??= createIo(config, () => deadline);
    const counters = emptyCounters();
    const onRecord = createRecordHandler(
      { ...config, store: io.store, publisher: io.publisher, deadline: () => deadline },
      counters,
      logger,
    );
    const response = await processKinesisBatch(event, onRecord, { logger, metrics });
    recordCounters(counters, metrics, logger);
    return response;
  },
  { logger, metrics },
);
