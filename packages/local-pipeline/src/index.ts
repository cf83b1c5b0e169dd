export { formatReconciliation, main, parseStartArgs, type StartOptions } from './cli.js';
export {
  type FunctionDefinition,
  functionsOf,
  resolveIntrinsics,
  type S3EventSettings,
  type StreamEventSettings,
} from './config/functions.js';
export { loadService, type ResolvedService, type ResolveOptions } from './config/serverless.js';
export * from './errors.js';
export {
  EventSourceMapping,
  type EventSourceMappingOptions,
  type MappingStats,
} from './esm/mapping.js';
export * from './esm/reader.js';
export * from './esm/records.js';
export {
  type FeedSink,
  feed,
  feedInWorker,
  feedWorkerEntry,
  ledgerSink,
  newLedger,
  type ProducedLedger,
  produceTraffic,
} from './feed.js';
export { type DeliveryStreamConfig, deliveryStreamsOf } from './firehose/config.js';
export {
  FirehoseEmulator,
  type FirehoseOptions,
  type FirehoseStats,
  validateResponse,
} from './firehose/delivery.js';
export * from './firehose/prefix.js';
export { AggregatesTap, type LagSummary, WindowLagTracker } from './lag.js';
export {
  LOCAL_PARAM_DEFAULTS,
  type Pipeline,
  type PipelineOptions,
  startPipeline,
} from './pipeline.js';
export { type Check, type Reconciliation, reconcile } from './reconcile.js';
export {
  bundleHandler,
  type ContainerOptions,
  FunctionContainer,
  forgetBundles,
  type InvokeOutcome,
} from './runtime/container.js';
export { FunctionPool, type FunctionStats } from './runtime/pool.js';
export {
  BucketNotifier,
  type EventBridgeEvent,
  type EventRule,
  LocalEventBus,
  matchesPattern,
  objectCreatedEvent,
} from './sqs/eventbridge.js';
export {
  type SqsEventSettings,
  SqsEventSourceMapping,
  type SqsMappingOptions,
  type SqsMappingStats,
} from './sqs/mapping.js';
export {
  LocalQueue,
  type LocalQueueOptions,
  type QueueStats,
  type ReceivedMessage,
} from './sqs/queue.js';
export { formatThroughput, type ThroughputVerdict, throughputVerdict } from './throughput.js';
