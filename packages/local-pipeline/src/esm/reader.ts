import { GetRecordsCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { kinesisJsonCaller } from '../kinesis-json.js';

/** A record as GetRecords returns it on the wire: the data still base64, as Lambda passes it on. */
export interface WireRecord {
  readonly sequenceNumber: string;
  readonly partitionKey: string;
  /** The record's data, base64 (what the Lambda event carries). */
  readonly data: string;
  /** ApproximateArrivalTimestamp, epoch ms (undefined when absent). */
  readonly arrivalMs: number | undefined;
}

/** One GetRecords page. */
export interface WirePage {
  readonly records: WireRecord[];
  readonly nextShardIterator: string | undefined;
  readonly millisBehindLatest: number;
}

/** How a mapping reads a shard: GetRecords from an iterator. */
export type ShardReader = (shardIterator: string, limit: number) => Promise<WirePage>;

/**
 * GetRecords through the AWS SDK: decodes each record's base64 data to bytes, which the mapping
 * encodes back to base64 for the Lambda event. Works against any Kinesis endpoint.
 */
export function sdkShardReader(kinesis: KinesisClient): ShardReader {
  return async (shardIterator, limit) => {
    const result = await kinesis.send(
      new GetRecordsCommand({ ShardIterator: shardIterator, Limit: limit }),
    );
    return {
      records: (result.Records ?? []).map((r) => ({
        sequenceNumber: r.SequenceNumber ?? '',
        partitionKey: r.PartitionKey ?? '',
        data: Buffer.from(r.Data ?? new Uint8Array()).toString('base64'),
        arrivalMs: r.ApproximateArrivalTimestamp?.getTime(),
      })),
      nextShardIterator: result.NextShardIterator,
      millisBehindLatest: result.MillisBehindLatest ?? 0,
    };
  };
}

interface JsonGetRecordsOutput {
  Records?: {
    SequenceNumber?: string;
    PartitionKey?: string;
    Data?: string;
    ApproximateArrivalTimestamp?: number;
  }[];
  NextShardIterator?: string;
  MillisBehindLatest?: number;
}

/**
 * GetRecords straight from the local Kinesis stand-in's JSON API (`kinesisJsonCaller`), keeping
 * each record's data as the base64 text the response carries: the Lambda event wants exactly that
 * text, so the SDK's decode to bytes and the re-encode are skipped (in the harness only; functions
 * use the real SDK). Never point this at AWS. Errors: `KinesisWireError` with the Kinesis code.
 */
export function localJsonShardReader(endpoint: string, region = 'us-east-1'): ShardReader {
  const call = kinesisJsonCaller(endpoint, region);
  return async (shardIterator, limit) => {
    const out = await call<JsonGetRecordsOutput>(
      'GetRecords',
      JSON.stringify({ ShardIterator: shardIterator, Limit: limit }),
    );
    return {
      records: (out.Records ?? []).map((r) => ({
        sequenceNumber: r.SequenceNumber ?? '',
        partitionKey: r.PartitionKey ?? '',
        data: r.Data ?? '',
        arrivalMs:
          r.ApproximateArrivalTimestamp === undefined
            ? undefined
            : Math.round(r.ApproximateArrivalTimestamp * 1000),
      })),
      nextShardIterator: out.NextShardIterator,
      millisBehindLatest: out.MillisBehindLatest ?? 0,
    };
  };
}
