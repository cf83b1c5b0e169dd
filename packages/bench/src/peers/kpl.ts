import agg from 'aws-kinesis-agg';
import type { KinesisStreamEvent } from 'aws-lambda';
import type { KplAggregatedRecord, KplUserRecord } from '../floors/kpl.js';

interface AggUserRecord {
  partitionKey: string;
  explicitPartitionKey?: string;
  sequenceNumber: string;
  subSequenceNumber: number;
  data: string;
}

interface AggModule {
  aggregate(
    records: unknown[],
    encodedRecordHandler: (
      encoded: { partitionKey: string; ExplicitHashKey?: string; data: Buffer },
      callback: (err?: Error) => void,
    ) => void,
    afterPutAggregatedRecords: () => void,
    errorCallback: (error: Error) => void,
    queueSize?: number,
  ): void;
  deaggregateSync(
    kinesisRecord: { data: string; partitionKey?: string; sequenceNumber?: string },
    computeChecksums: boolean,
    afterRecordCallback: (err: Error | null | undefined, userRecords?: AggUserRecord[]) => void,
  ): void;
}

const kinesisAgg = agg as unknown as AggModule;

/**
 * Peer: `aws-kinesis-agg` `aggregate` (awslabs), which emits aggregated records through an
 * async queue; resolves once every aggregated record is handed over.
 */
export function aggAggregate(records: readonly KplUserRecord[]): Promise<KplAggregatedRecord[]> {
  return new Promise((resolve, reject) => {
    const out: KplAggregatedRecord[] = [];
    kinesisAgg.aggregate(
      // As a user calls it, with the records themselves: aws-kinesis-agg only rewrites a record
      // whose data is a string (into a Buffer), and the workload's data are Buffers already.
      records as KplUserRecord[],
      (encoded, callback) => {
        out.push(
          encoded.ExplicitHashKey === undefined
            ? { partitionKey: encoded.partitionKey, data: encoded.data }
            : {
                partitionKey: encoded.partitionKey,
                explicitHashKey: encoded.ExplicitHashKey,
                data: encoded.data,
              },
        );
        callback();
      },
      () => resolve(out),
      (error) => reject(error),
    );
  });
}

/**
 * Peer: `aws-kinesis-agg` `deaggregateSync` with checksums on, for every record of the event.
 * Its user records carry base64 data (that is its API).
 */
export function aggDeaggregateEvent(event: KinesisStreamEvent): number {
  let count = 0;
  for (const record of event.Records) {
    kinesisAgg.deaggregateSync(record.kinesis, true, (err, userRecords) => {
      if (err) throw err;
      count += userRecords?.length ?? 0;
    });
  }
  return count;
}
