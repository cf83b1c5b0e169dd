import { isAscii } from 'node:buffer';
import { Agent, request } from 'node:http';
import { GetRecordsCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { LocalPipelineError } from '../errors.js';

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

/** A GetRecords error answered by the stand-in; `name` is the Kinesis error code. */
export class KinesisWireError extends LocalPipelineError {
  constructor(
    readonly code: string,
    message: string,
    readonly statusCode: number,
  ) {
    super(`${code}: ${message}`);
    this.name = code;
  }
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
  __type?: string;
  message?: string;
  Message?: string;
}

/**
 * GetRecords straight from the local Kinesis stand-in's JSON API (Kinesis_20131202, JSON 1.1),
 * keeping each record's data as the base64 text the response carries: the Lambda event wants
 * exactly that text, so the SDK's decode to bytes and the re-encode are skipped (in the harness
 * only; functions use the real SDK). The request carries a well-formed SigV4 header with a dummy
 * signature, which kinesalite accepts as it verifies no signature: never point this at AWS.
 */
export function localJsonShardReader(endpoint: string, region = 'us-east-1'): ShardReader {
  const url = new URL(endpoint);
  const agent = new Agent({ keepAlive: true, maxSockets: 16 });
  return (shardIterator, limit) =>
    new Promise<WirePage>((resolve, reject) => {
      const body = JSON.stringify({ ShardIterator: shardIterator, Limit: limit });
      const amzDate = new Date().toISOString().replace(/[-:]|\.\d{3}/g, '');
      const req = request(
        {
          agent,
          host: url.hostname,
          port: url.port,
          path: '/',
          method: 'POST',
          headers: {
            'Content-Type': 'application/x-amz-json-1.1',
            'Content-Length': Buffer.byteLength(body),
            'X-Amz-Target': 'Kinesis_20131202.GetRecords',
            'X-Amz-Date': amzDate,
            Authorization: `AWS4-HMAC-SHA256 Credential=local/${amzDate.slice(0, 8)}/${region}/kinesis/aws4_request, SignedHeaders=host;x-amz-date;x-amz-target, Signature=0`,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () => {
            let out: JsonGetRecordsOutput;
            try {
              const body = Buffer.concat(chunks);
              // Base64 data, digits and names: almost always ASCII, which latin1 decodes as a
              // plain copy (utf8 decoding of these multi-MB bodies was ~12 % of the main thread).
              const text = isAscii(body) ? body.toString('latin1') : body.toString('utf8');
              out = JSON.parse(text) as JsonGetRecordsOutput;
            } catch (error) {
              reject(
                new KinesisWireError('SerializationException', String(error), res.statusCode ?? 0),
              );
              return;
            }
            if ((res.statusCode ?? 500) >= 300) {
              const code = (out.__type ?? 'InternalFailure').split('#').pop() as string;
              reject(
                new KinesisWireError(code, out.message ?? out.Message ?? '', res.statusCode ?? 0),
              );
              return;
            }
            resolve({
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
            });
          });
        },
      );
      req.on('error', reject);
      req.end(body);
    });
}
