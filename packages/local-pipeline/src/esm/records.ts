import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

/** A record read from a shard, before it becomes part of a Lambda event. */
export interface PolledRecord {
  readonly shardId: string;
  readonly sequenceNumber: string;
  readonly partitionKey: string;
  /** The record's data, base64 (as GetRecords returns it and the Lambda event carries it). */
  readonly data: string;
  /** ApproximateArrivalTimestamp, epoch ms. */
  readonly arrivalMs: number;
  /** When the poller read it (batching window). */
  readonly fetchedAt: number;
  /** Bytes this record adds to the invocation payload (base64 data + envelope). */
  readonly size: number;
}

/** Bytes a record adds to a Lambda Kinesis event once JSON-encoded (base64 data + ~420 B envelope). */
export function eventRecordSize(
  base64Data: string,
  partitionKey: string,
  arnLength: number,
): number {
  return base64Data.length + partitionKey.length + 2 * arnLength + 420;
}

/** Lambda's synchronous invocation payload limit. */
export const MAX_PAYLOAD_BYTES = 6 * 1024 * 1024;

/** Compare Kinesis sequence numbers (decimal strings up to 128 bits). */
export function compareSequence(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The Lambda Kinesis event record (`KinesisStreamRecord`), exactly the shape Lambda sends. */
export function kinesisEventRecord(
  record: PolledRecord,
  streamArn: string,
  region: string,
  invokeIdentityArn: string,
) {
  return {
    kinesis: {
      kinesisSchemaVersion: '1.0',
      partitionKey: record.partitionKey,
      sequenceNumber: record.sequenceNumber,
      data: record.data,
      approximateArrivalTimestamp: record.arrivalMs / 1000,
    },
    eventSource: 'aws:kinesis',
    eventVersion: '1.0',
    eventID: `${record.shardId}:${record.sequenceNumber}`,
    eventName: 'aws:kinesis:record',
    invokeIdentityArn,
    awsRegion: region,
    eventSourceARN: streamArn,
  };
}

/** Why a batch went to the on-failure destination (AWS's `requestContext.condition`). */
export type FailureCondition = 'RetryAttemptsExhausted' | 'RecordAgeExceeded';

/** The invocation record Lambda sends to a Kinesis mapping's on-failure destination. */
export interface KinesisFailureRecord {
  readonly requestContext: {
    readonly requestId: string;
    readonly functionArn: string;
    readonly condition: FailureCondition;
    readonly approximateInvokeCount: number;
  };
  readonly responseContext: {
    readonly statusCode: number;
    readonly executedVersion: string;
    readonly functionError?: string;
  };
  readonly version: '1.0';
  readonly timestamp: string;
  readonly KinesisBatchInfo: {
    readonly shardId: string;
    readonly startSequenceNumber: string;
    readonly endSequenceNumber: string;
    readonly approximateArrivalOfFirstRecord: string;
    readonly approximateArrivalOfLastRecord: string;
    readonly batchSize: number;
    readonly streamArn: string;
  };
}

/** Where on-failure records go (AWS: an SQS queue, SNS topic or S3 bucket). */
export interface FailureSink {
  write(destinationArn: string, record: KinesisFailureRecord): void | Promise<void>;
}

/**
 * On-failure destination stand-in: one NDJSON file per destination under `dir`
 * (`<queue-name>.ndjson`), plus the records in memory for the reconciliation. `R`: the mapping's
 * on-failure record (a Kinesis one by default; a Kafka mapping writes `KafkaFailureRecord`s).
 */
export class NdjsonFailureSink<R = KinesisFailureRecord> {
  readonly records: { destinationArn: string; record: R }[] = [];

  constructor(private readonly dir?: string) {
    if (dir) mkdirSync(dir, { recursive: true });
  }

  /** File that holds the records of `destinationArn`. */
  fileOf(destinationArn: string): string | undefined {
    if (!this.dir) return undefined;
    const name = destinationArn.split(/[:/]/).pop() || 'destination';
    return join(this.dir, `${name}.ndjson`);
  }

  write(destinationArn: string, record: R): void {
    this.records.push({ destinationArn, record });
    const file = this.fileOf(destinationArn);
    if (file) appendFileSync(file, `${JSON.stringify(record)}\n`);
  }
}
