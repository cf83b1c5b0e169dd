import { createObservability, deadlineFromContext, lambdaHandler } from '@streamlens/lambda-kit';
import { createDocumentClient } from '@streamlens/lambda-kit/dynamodb';
import {
  isKafkaEvent,
  KafkaBatchIncompleteError,
  type KafkaEvent,
} from '@streamlens/lambda-kit/kafka';
import { createPutRecordsCall } from '@streamlens/lambda-kit/kinesis';
import { createObjectPut } from '@streamlens/lambda-kit/s3-put';
import type { KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { type ConsumedUnits, DynamoStateStore } from './adapters/dynamo-store.js';
import { AggregatesSink, S3RejectSink, WindowTableSink } from './adapters/sinks.js';
import { loadConfig } from './config.js';
import { RecordDecoder } from './decode/record-decoder.js';
import { Aggregator } from './domain/engine.js';
import { recordIdleFlush, recordOutcome } from './observe.js';
import { queriesFromConfig } from './query/wiring.js';
import { batchResponse } from './response.js';
import { KafkaRecordSource } from './sources/kafka.js';
import { KinesisRecordSource } from './sources/kinesis.js';

// Built once per container: configuration (fails fast), clients, state store, sinks, engine.
const config = loadConfig();
const { logger, metrics } = createObservability('stream-aggregator');
// PutObject (the lake archive and late data) and PutRecords (the aggregates stream) are the only S3
// and Kinesis calls: lambda-kit's signed requests, not the S3 and Kinesis clients (cold start).
const archive = createObjectPut({ bucket: config.lakeBucketName });
// Caches (series keys, event-time hours) that pay off across invocations.
const decoder = new RecordDecoder(config);
// One SDK attempt per call: the store retries itself, checking the deadline of the invocation
// that made the call between attempts (the SDK's own throttling backoff knows nothing of it).
// The engine passes each invocation's deadline with every store and sink call: nothing here
// holds it, so no invocation can run against another's.
const doc = createDocumentClient({ maxAttempts: 1 });
const store = new DynamoStateStore(doc, config);
const windows = new AggregatesSink({
  putRecords: createPutRecordsCall(),
  streamName: config.aggregatesStreamName,
  archive,
  bucket: config.lakeBucketName,
  archivePrefix: config.archivePrefix,
});
const aggregator = new Aggregator(config.engine, {
  store,
  // The window table, when on, holds the per-series windows; query windows go to the stream
  // and the archive only.
  windows: new WindowTableSink(windows, store),
  queries: queriesFromConfig(
    config,
    doc,
    windows,
    (o) => {
      if (o.tooLate > 0) {
        logger.warn('events too late for a query window', { tooLate: o.tooLate });
        metrics.addMetric('QueryEventsTooLate', 'Count', o.tooLate);
      }
      if (o.dropped > 0) metrics.addMetric('QueryEventsDropped', 'Count', o.dropped);
    },
    (query, error) =>
      logger.error('query group state full; its new events dropped', { query, error }),
  ),
  rejects: new S3RejectSink(archive, config.lakeBucketName, config.lateDataPrefix),
  onError: (message, error, context) =>
    logger.error(message, { ...context, error: error as Error }),
});

/**
 * Kinesis `events`, or a Kafka topic (MSK or self-managed), → windowed aggregates (exactly-once
 * effect; see README). On Kafka, records not applied fail the invocation: the event source mapping
 * retries the batch, and the checkpoints per topic-partition and offset skip what was applied.
 */
export const handler = lambdaHandler(
  async (event: KinesisStreamEvent | KafkaEvent, context): Promise<KinesisStreamBatchResponse> => {
    const deadline = deadlineFromContext(context, config.deadlineSafetyMs);
    const before = { ...store.consumed };
    if (isKafkaEvent(event)) {
      const records = new KafkaRecordSource(event, decoder);
      const outcome = await aggregator.processBatch(records, deadline);
      recordOutcome(outcome, records.length, { logger, metrics }, unitsSince(before));
      if (outcome.failures.length > 0) {
        throw new KafkaBatchIncompleteError(
          outcome.failures.length,
          outcome.failures.map((f) => ({ topicPartition: f.shardId, offset: f.seq })),
        );
      }
      return { batchItemFailures: [] };
    }
    const records = new KinesisRecordSource(event, decoder);
    const outcome = await aggregator.processBatch(records, deadline);
    recordOutcome(outcome, records.length, { logger, metrics }, unitsSince(before));
    return batchResponse(event, outcome.failures);
  },
  { logger, metrics },
);

/**
 * The idle rule's trigger (an EventBridge schedule, e.g. every minute): Lambda invokes `handler`
 * only with records, so when the stream goes quiet nothing else would emit its last windows.
 * Emits every dirty window no lane has touched for IDLE_TIMEOUT_SECONDS.
 */
export const idle = lambdaHandler(
  async (_event: unknown, context): Promise<{ emitted: number }> => {
    const deadline = deadlineFromContext(context, config.deadlineSafetyMs);
    const before = { ...store.consumed };
    const emitted = await aggregator.flushIdle(Date.now(), deadline);
    recordIdleFlush(emitted, { logger, metrics }, unitsSince(before));
    return { emitted };
  },
  { logger, metrics },
);

function unitsSince(before: ConsumedUnits): ConsumedUnits {
  return {
    read: store.consumed.read - before.read,
    write: store.consumed.write - before.write,
  };
}
