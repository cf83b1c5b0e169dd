/**
 * The shapes the transform works on. They mirror the Firehose data-transformation contract
 * (docs/aws-contracts.md) but stay independent of `aws-lambda` types so that domain code and tests do not
 * depend on the Lambda event typings.
 */

/** The three statuses Firehose accepts per record. */
export const RecordResult = {
  Ok: 'Ok',
  Dropped: 'Dropped',
  ProcessingFailed: 'ProcessingFailed',
} as const;
export type RecordResult = (typeof RecordResult)[keyof typeof RecordResult];

/** What Firehose adds when the delivery stream reads from a Kinesis data stream. */
export interface KinesisRecordMetadata {
  shardId: string;
  partitionKey: string;
  sequenceNumber: string;
  subsequenceNumber?: string | number;
  approximateArrivalTimestamp?: number;
}

/** One record of a Firehose transformation request. */
export interface FirehoseInputRecord {
  recordId: string;
  /** Milliseconds since the epoch (Firehose; Kinesis events use seconds). */
  approximateArrivalTimestamp: number;
  /** Base64 of the original bytes. */
  data: string;
  kinesisRecordMetadata?: KinesisRecordMetadata;
}

/** A Firehose transformation request. */
export interface FirehoseTransformationEvent {
  invocationId: string;
  deliveryStreamArn: string;
  region: string;
  sourceKinesisStreamArn?: string;
  records: FirehoseInputRecord[];
}

/** Dynamic-partitioning keys returned with every Ok record. */
export interface PartitionKeys {
  type: string;
  /** `YYYY-MM-DD` of the event time (UTC). */
  date: string;
  /** `HH` of the event time (UTC). */
  hour: string;
}

/** One record of the response. */
export interface FirehoseOutputRecord {
  recordId: string;
  result: RecordResult;
  data: string;
  metadata?: { partitionKeys: PartitionKeys };
}

/** The transformation response: every input `recordId` exactly once. */
export interface FirehoseTransformationResult {
  records: FirehoseOutputRecord[];
}

/** Why an event or record was dropped on purpose (by configuration or by the source). */
export const DropReason = {
  DeniedType: 'DENIED_TYPE',
  BelowMinLevel: 'BELOW_MIN_LEVEL',
  ControlMessage: 'CONTROL_MESSAGE',
  Reingested: 'REINGESTED',
} as const;
export type DropReason = (typeof DropReason)[keyof typeof DropReason];

/** A record (or part of one) to put back into the pipeline because the response had no room for it. */
export interface ReingestItem {
  /** The record it comes from (for logs). */
  recordId: string;
  data: Uint8Array;
  /** Partition key for PutRecords (ignored when re-ingesting to the delivery stream). */
  partitionKey: string;
}
