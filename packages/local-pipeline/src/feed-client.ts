import { Agent, request } from 'node:http';
import {
  type KinesisClient,
  ListShardsCommand,
  type PutRecordsCommand,
  type PutRecordsCommandOutput,
} from '@aws-sdk/client-kinesis';
import type { KinesisSendClient } from '@streamlens/producer';

/** A Kinesis error answered by the stand-in, shaped like the SDK's (name, status, retryable). */
class KinesisCallError extends Error {
  readonly $metadata: { httpStatusCode: number };

  constructor(code: string, message: string, status: number) {
    super(message);
    this.name = code;
    this.$metadata = { httpStatusCode: status };
  }
}

interface JsonPutRecordsOutput {
  FailedRecordCount?: number;
  Records?: {
    SequenceNumber?: string;
    ShardId?: string;
    ErrorCode?: string;
    ErrorMessage?: string;
  }[];
  EncryptionType?: string;
  __type?: string;
  message?: string;
  Message?: string;
}

/**
 * The feed's Kinesis client for the local stand-in: PutRecords as a plain JSON 1.1 POST
 * (the records' bytes written as base64 straight into the body; no SDK serialisation, middleware
 * stack or request signing, which were most of the feed worker's time), everything else
 * (ListShards for the producer's shard map) through `kinesis`. Errors look like the SDK's: `name`
 * the Kinesis error code, `$metadata.httpStatusCode`, network errors with their `code`. The
 * request carries a dummy SigV4 header, which kinesalite accepts as it verifies no signature:
 * never point this at AWS.
 */
export function localJsonPutClient(
  kinesis: KinesisClient,
  endpoint: string,
  region = 'us-east-1',
  timeoutMs = 30_000,
): KinesisSendClient {
  const url = new URL(endpoint);
  const agent = new Agent({ keepAlive: true, maxSockets: 16 });
  const putRecords = (command: PutRecordsCommand): Promise<PutRecordsCommandOutput> => {
    const input = command.input;
    const records = (input.Records ?? []).map((r) => {
      const data = r.Data ?? new Uint8Array();
      const bytes = Buffer.isBuffer(data)
        ? data
        : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
      return r.ExplicitHashKey !== undefined
        ? {
            Data: bytes.toString('base64'),
            PartitionKey: r.PartitionKey,
            ExplicitHashKey: r.ExplicitHashKey,
          }
        : { Data: bytes.toString('base64'), PartitionKey: r.PartitionKey };
    });
    const body = JSON.stringify({
      ...(input.StreamName !== undefined ? { StreamName: input.StreamName } : {}),
      ...(input.StreamARN !== undefined ? { StreamARN: input.StreamARN } : {}),
      Records: records,
    });
    const amzDate = new Date().toISOString().replace(/[-:]|\.\d{3}/g, '');
    return new Promise((resolve, reject) => {
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
            'X-Amz-Target': 'Kinesis_20131202.PutRecords',
            'X-Amz-Date': amzDate,
            Authorization: `AWS4-HMAC-SHA256 Credential=local/${amzDate.slice(0, 8)}/${region}/kinesis/aws4_request, SignedHeaders=host;x-amz-date;x-amz-target, Signature=0`,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () => {
            const status = res.statusCode ?? 500;
            let out: JsonPutRecordsOutput;
            try {
              out = JSON.parse(Buffer.concat(chunks).toString('utf8')) as JsonPutRecordsOutput;
            } catch (error) {
              reject(new KinesisCallError('SerializationException', String(error), status));
              return;
            }
            if (status >= 300) {
              const code = (out.__type ?? 'InternalFailure').split('#').pop() as string;
              reject(new KinesisCallError(code, out.message ?? out.Message ?? '', status));
              return;
            }
            resolve({
              $metadata: { httpStatusCode: status },
              FailedRecordCount: out.FailedRecordCount ?? 0,
              Records: out.Records ?? [],
              ...(out.EncryptionType ? { EncryptionType: out.EncryptionType } : {}),
            } as PutRecordsCommandOutput);
          });
        },
      );
      req.setTimeout(timeoutMs, () => {
        req.destroy(
          Object.assign(new Error(`PutRecords timed out after ${timeoutMs} ms`), {
            name: 'TimeoutError',
            code: 'ETIMEDOUT',
          }),
        );
      });
      req.on('error', reject);
      req.end(body);
    });
  };
  return {
    send(command) {
      if (command instanceof ListShardsCommand) return kinesis.send(command);
      return putRecords(command);
    },
  };
}
