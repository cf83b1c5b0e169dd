import { createObservability, deadlineFromContext, lambdaHandler } from '@streamlens/lambda-kit';
import type { KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { processWindowBatch } from './batch.js';
import { loadConfig } from './config.js';
import { type AnomalyAlertsIo, createIo } from './io.js';
import { emptyCounters } from './processor.js';
import { recordCounters } from './records.js';

// At load (Lambda's init phase, once per container): configuration (fails fast), observability
// and the clients. Building the clients here rather than on the first batch does not change
// the latency of a cold start (init + first invocation), and init runs before any record waits.
const config = loadConfig();
const { logger, metrics } = createObservability('anomaly-alerts');
const io: AnomalyAlertsIo = createIo(config);

/** Kinesis `aggregates` (metrics.window) → per-series detector in DynamoDB → alerts to SNS. */
export const handler = lambdaHandler(
  async (event: KinesisStreamEvent, context): Promise<KinesisStreamBatchResponse> => {
    // This invocation's own: the store and publisher are shared by every invocation of the
    // container, so the deadline travels with each call instead of living beside them.
    const deadline = deadlineFromContext(context, config.deadlineSafetyMs);
    const counters = emptyCounters();
    // Series by series, concurrently (README: how a batch is processed).
    const response = await processWindowBatch(
      event,
      { ...config, store: io.store, publisher: io.publisher, deadline: () => deadline },
      counters,
      { concurrency: config.seriesConcurrency, logger, metrics },
    );
    recordCounters(counters, metrics, logger);
    return response;
  },
  { logger, metrics },
);
