import { type AttributeValue, type DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  ListShardsCommand,
  type Shard,
} from '@aws-sdk/client-kinesis';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';

/** One record read back from a stream. */
export interface StreamRecord {
  readonly shardId: string;
  readonly sequenceNumber: string;
  readonly partitionKey: string;
  readonly data: Uint8Array;
  readonly approximateArrivalTimestamp?: Date;
}

/** Every shard of a stream (ListShards, paginated). */
export async function listAllShards(kinesis: KinesisClient, streamName: string): Promise<Shard[]> {
  const shards: Shard[] = [];
  let nextToken: string | undefined;
  do {
    const out = await kinesis.send(
      new ListShardsCommand(nextToken ? { NextToken: nextToken } : { StreamName: streamName }),
    );
    shards.push(...(out.Shards ?? []));
    nextToken = out.NextToken;
  } while (nextToken);
  return shards;
}

/**
 * Read every record currently in a stream: all shards from TRIM_HORIZON until a shard has nothing
 * more. Records come back grouped by shard (shard order of ListShards), in sequence order.
 * @example
 * const records = await readStream(kinesis, 'events-test-1');
 * const events = records.map((r) => JSON.parse(Buffer.from(r.data).toString()));
 */
export async function readStream(
  kinesis: KinesisClient,
  streamName: string,
): Promise<StreamRecord[]> {
  const shards = await listAllShards(kinesis, streamName);
  const perShard = await Promise.all(
    shards.map(async (shard) => {
      const shardId = shard.ShardId ?? '';
      const records: StreamRecord[] = [];
      const first = await kinesis.send(
        new GetShardIteratorCommand({
          StreamName: streamName,
          ShardId: shardId,
          ShardIteratorType: 'TRIM_HORIZON',
        }),
      );
      let iterator = first.ShardIterator;
      while (iterator) {
        const out = await kinesis.send(
          new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }),
        );
        for (const record of out.Records ?? []) {
          records.push({
            shardId,
            sequenceNumber: record.SequenceNumber ?? '',
            partitionKey: record.PartitionKey ?? '',
            data: record.Data ?? new Uint8Array(),
            ...(record.ApproximateArrivalTimestamp
              ? { approximateArrivalTimestamp: record.ApproximateArrivalTimestamp }
              : {}),
          });
        }
        // An open shard always returns a next iterator: stop once a read brings nothing new.
        if ((out.Records ?? []).length === 0) break;
        iterator = out.NextShardIterator;
      }
      return records;
    }),
  );
  return perShard.flat();
}

/** Every key under `prefix` of a bucket (ListObjectsV2, paginated), in S3's (lexicographic) order. */
export async function listObjectKeys(
  s3: S3Client,
  bucket: string,
  prefix?: string,
): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const out = await s3.send(
      new ListObjectsV2Command({
        Bucket: bucket,
        ...(prefix ? { Prefix: prefix } : {}),
        ...(token ? { ContinuationToken: token } : {}),
      }),
    );
    for (const object of out.Contents ?? []) if (object.Key) keys.push(object.Key);
    token = out.IsTruncated ? out.NextContinuationToken : undefined;
  } while (token);
  return keys;
}

/** One object read back from a bucket. */
export interface StoredObject {
  readonly key: string;
  readonly body: Uint8Array;
  readonly contentType?: string;
  readonly contentEncoding?: string;
  readonly metadata: Record<string, string>;
}

/** Objects `getObjects` reads at once. */
const GET_OBJECTS_CONCURRENCY = 8;

/** Every object under `prefix` of a bucket, with its bytes (no decompression), in key order. */
export async function getObjects(
  s3: S3Client,
  bucket: string,
  prefix?: string,
): Promise<StoredObject[]> {
  const keys = await listObjectKeys(s3, bucket, prefix);
  const objects: StoredObject[] = new Array(keys.length);
  let next = 0;
  // A few requests at a time, not one per key: after a long run the lake holds hundreds of
  // objects, and opening every connection at once on a busy machine let the client's 5 s connect
  // timeouts fire together, spending the SDK's retry budget and failing the reconciliation.
  const worker = async () => {
    for (let i = next++; i < keys.length; i = next++) {
      const key = keys[i] as string;
      const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      const body = out.Body ? await out.Body.transformToByteArray() : new Uint8Array();
      objects[i] = {
        key,
        body,
        ...(out.ContentType ? { contentType: out.ContentType } : {}),
        ...(out.ContentEncoding ? { contentEncoding: out.ContentEncoding } : {}),
        metadata: out.Metadata ?? {},
      };
    }
  };
  await Promise.all(Array.from({ length: Math.min(GET_OBJECTS_CONCURRENCY, keys.length) }, worker));
  return objects;
}

/** Every item of a table (Scan, paginated), as raw attribute maps. */
export async function scanTable(
  dynamodb: DynamoDBClient,
  tableName: string,
): Promise<Record<string, AttributeValue>[]> {
  const items: Record<string, AttributeValue>[] = [];
  let startKey: Record<string, AttributeValue> | undefined;
  do {
    const out = await dynamodb.send(
      new ScanCommand({
        TableName: tableName,
        ConsistentRead: true,
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    items.push(...(out.Items ?? []));
    startKey = out.LastEvaluatedKey;
  } while (startKey);
  return items;
}
