export type { SinkFailure } from '../internal/sink.js';
export {
  batchResponseFrom,
  type KinesisRecordHandler,
  type ProcessKinesisBatchOptions,
  processKinesisBatch,
  shardKeyOf,
  stopAtFirstFailure,
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
  putRecordsWith,
} from './put-records.js';
export {
  awsJsonErrorCode,
  createPutRecordsCall,
  KinesisCallError,
  kinesisEndpoint,
  type PutRecordsCall,
  type PutRecordsCallOptions,
  type PutRecordsEntry,
  type PutRecordsInput,
  type PutRecordsOutput,
  type PutRecordsResultEntry,
  putRecordsBody,
} from './put-records-call.js';
export type { DecodedKinesisRecord, KinesisDecodeFailure } from './types.js';
