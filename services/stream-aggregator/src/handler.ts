import { createObservability, deadlineFromContext, lambdaHandler } from '@streamlens/lambda-kit';
import { createDocumentClient } from '@streamlens/lambda-kit/dynamodb';
import { createPutRecordsCall } from '@streamlens/lambda-kit/kinesis';
import { createObjectPut } from '@streamlens/lambda-kit/s3-put';
import type { KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { DynamoStateStore } from './adapters/dynamo-store.js';
import { AggregatesSink, S3RejectSink } from './adapters/sinks.js';
import { loadConfig } from './config.js';
import { KinesisRecordSource, RecordDecoder } from './decode.js';
import { Aggregator } from './domain/engine.js';
import { recordOutcome } from './observe.js';
import { batchResponse } from './response.js';

// Built once per container: configuration (fails fast), clients, state store, sinks, engine.
const config = loadConfig();
const { logger, metrics } = createObservability('stream-aggregator');
let deadline = Date.now() + 60_000;
const currentDeadline = (): number => deadline;
// PutObject (the lake archive and late data) and PutRecords (the aggregates stream) are the only S3
// and Kinesis calls: lambda-kit's signed requests, not the S3 and Kinesis clients (cold start).
const archive = createObjectPut({ bucket: config.lakeBucketName });
// Caches (series keys, event-time hours) that pay off across invocations.
const decoder = new RecordDecoder(config);
const aggregator = new Aggregator(config.engine, {
  // One SDK attempt per call: the store retries itself, checking the invocation deadline between
  // attempts (the SDK's own throttling backoff knows nothing of it).
  store: new DynamoStateStore(createDocumentClient({ maxAttempts: 1 }), {
    ...config,
    deadline: currentDeadline,
  }),
  windows: new AggregatesSink({
    putRecords: createPutRecordsCall(),
    streamName: config.aggregatesStreamName,
    archive,
    bucket: config.lakeBucketName,
    archivePrefix: config.archivePrefix,
    deadline: currentDeadline,
  }),
  rejects: new S3RejectSink(archive, config.lakeBucketName, config.lateDataPrefix, currentDeadline),
  onError: (message, error, context) =>
    logger.error(message, { ...context, error: error as Error }),
});

/** Kinesis `events` → windowed aggregates (exactly-once effect; see README). */
export const handler = lambdaHandler(
  async (event: KinesisStreamEvent, context): Promise<KinesisStreamBatchResponse> => {
    deadline = deadlineFromContext(context, config.deadlineSafetyMs);
    const records = new KinesisRecordSource(event, decoder);
    const outcome = await aggregator.processBatch(records, deadline);
    recordOutcome(outcome, records.length, { logger, metrics });
    return batchResponse(event, outcome.failures);
  },
  { logger, metrics },
);
