import {
  type KinesisClient,
  ListShardsCommand,
  type PutRecordsCommand,
  type PutRecordsCommandOutput,
} from '@aws-sdk/client-kinesis';
import type { KinesisSendClient } from '@streamlens/producer';
import { kinesisJsonCaller } from './kinesis-json.js';

interface JsonPutRecordsOutput {
  FailedRecordCount?: number;
  Records?: {
    SequenceNumber?: string;
    ShardId?: string;
    ErrorCode?: string;
    ErrorMessage?: string;
  }[];
  EncryptionType?: string;
}

/**
 * The feed's Kinesis client for the local stand-in: PutRecords as a plain JSON 1.1 POST
 * (the records' bytes written as base64 straight into the body; no SDK serialisation, middleware
 * stack or request signing, which were most of the feed worker's time; see `kinesisJsonCaller`),
 * everything else (ListShards for the producer's shard map) through `kinesis`. Errors look like
 * the SDK's: `name` the Kinesis error code, `$metadata.httpStatusCode`, network errors with their
 * `code`. Never point this at AWS.
 */
export function localJsonPutClient(
  kinesis: KinesisClient,
  endpoint: string,
  region = 'us-east-1',
  timeoutMs = 30_000,
): KinesisSendClient {
  const call = kinesisJsonCaller(endpoint, region, timeoutMs);
  const putRecords = async (command: PutRecordsCommand): Promise<PutRecordsCommandOutput> => {
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
    const out = await call<JsonPutRecordsOutput>('PutRecords', body);
    return {
      $metadata: { httpStatusCode: 200 },
      FailedRecordCount: out.FailedRecordCount ?? 0,
      Records: out.Records ?? [],
      ...(out.EncryptionType ? { EncryptionType: out.EncryptionType } : {}),
    } as PutRecordsCommandOutput;
  };
  return {
    send(command) {
      if (command instanceof ListShardsCommand) return kinesis.send(command);
      return putRecords(command);
    },
  };
}
