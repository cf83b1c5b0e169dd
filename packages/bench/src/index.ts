export {
  BENCH_MARK,
  type BenchDefinition,
  BenchKind,
  type BenchSuite,
  defineBench,
  isBenchSuite,
} from './define.js';
export {
  type BuiltEvent,
  buildFirehoseEvent,
  buildKinesisEvent,
  type FirehoseEventOptions,
  firehoseEventFromPayloads,
  type KinesisEventOptions,
  kinesisEventFromPayloads,
  LAMBDA_PAYLOAD_LIMIT_BYTES,
  ONE_MIB,
  type Payload,
  type RecordMeta,
  type SizedEventOptions,
} from './events.js';
export { blueprintPassThrough, floorFirehoseTransform } from './floors/firehose.js';
export { type BenchKafkaEvent, floorKafkaBatch } from './floors/kafka.js';
export { floorKinesisBatch, floorSeriesKey, type SeriesSums } from './floors/kinesis.js';
export {
  encodeAggregated,
  floorAggregate,
  floorDeaggregate,
  KPL_MAGIC,
  KPL_MAX_PAYLOAD_BYTES,
  type KplAggregatedRecord,
  type KplUserRecord,
} from './floors/kpl.js';
export { medianRatio, type PairedOptions, type PairedSamples, pairedRounds } from './paired.js';
export {
  byteLength,
  createRecordGenerator,
  type GeneratedRecord,
  generateRecords,
  InvalidKind,
  type RecordGenerator,
  type RecordGeneratorOptions,
  type RecordType,
  WORKLOAD_MAX_RECORD_BYTES,
} from './records.js';
export { createRng, type Rng } from './rng.js';
export { median, quantile, ratioTo, type SampleStats, summarize } from './stats.js';
export {
  buildKplUserRecords,
  defineWorkload,
  type FirehoseWorkload,
  type KinesisWorkload,
  type KplAggregateWorkload,
  type KplDeaggregateWorkload,
  WORKLOAD_SEED,
  type Workload,
  type WorkloadData,
  type WorkloadName,
  workloads,
} from './workloads.js';
