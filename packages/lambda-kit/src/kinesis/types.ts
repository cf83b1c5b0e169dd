/**
 * One record of a Kinesis event after base64 decoding and, for KPL-aggregated records, after
 * de-aggregation (one entry per user record, each with its `subSequenceNumber`).
 */
export interface DecodedKinesisRecord {
  /** Sequence number of the Kinesis record; a KPL user record carries its parent's. */
  sequenceNumber: string;
  /** Position of a KPL user record inside its aggregated parent; absent for plain records. */
  subSequenceNumber?: number;
  shardId: string;
  partitionKey: string;
  /** Explicit hash key of a KPL user record, when the producer set one. */
  explicitHashKey?: string;
  eventSourceArn: string;
  /** Approximate arrival time in epoch milliseconds (the event carries seconds). */
  arrivalTimeMs: number;
  data: Uint8Array;
}

/** A Kinesis record that could not be decoded (malformed KPL aggregate or bad checksum). */
export interface KinesisDecodeFailure {
  sequenceNumber: string;
  shardId: string;
  partitionKey: string;
  eventSourceArn: string;
  /** Stable error code from @streamlens/schema (e.g. `KPL_CHECKSUM_MISMATCH`) and a message. */
  code: string;
  message: string;
}
