export type { SinkFailure } from '../internal/sink.js';
export {
  batchResponseFrom,
  type KinesisRecordHandler,
  type ProcessKinesisBatchOptions,
  processKinesisBatch,
} from './batch.js';
export { createKinesisClient } from './client.js';
export {
  decodeKinesisEvent,
  decodeKinesisRecord,
  type KinesisRecordDecoding,
  shardIdOf,
} from './decode.js';
export {
  PUT_RECORDS_LIMITS,
  type PutRecordsReliablyOptions,
  type PutRecordsReliablyResult,
  putRecordsReliably,
} from './put-records.js';
export type { DecodedKinesisRecord, KinesisDecodeFailure } from './types.js';
