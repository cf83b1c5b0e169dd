/**
 * AWS limits the scale model checks, with their sources. Sizes are binary (DynamoDB and Kinesis
 * both count 1 KB = 1,024 bytes, 1 MB = 1,024 KB).
 */
export const LIMITS = {
  /** Kinesis Data Streams, per shard (provisioned and on-demand alike). */
  kinesisShardInBytes: 1024 * 1024,
  kinesisShardInRecords: 1000,
  /** Shared throughput: 2 MB/s and 5 GetRecords calls/s per shard, across every shared reader. */
  kinesisShardOutBytes: 2 * 1024 * 1024,
  kinesisShardReadsPerSecond: 5,
  /** Enhanced fan-out: 2 MB/s per shard for each registered consumer; at most 20 per stream. */
  kinesisEfoConsumerOutBytes: 2 * 1024 * 1024,
  kinesisEfoConsumersPerStream: 20,
  /** DynamoDB, per partition: 1,000 write or 3,000 read request units/s (or a linear mix). */
  dynamoPartitionWcu: 1000,
  dynamoPartitionRcu: 3000,
  /** DynamoDB on-demand, per table, default quota (can be raised). */
  dynamoTableWcu: 40_000,
  dynamoTableRcu: 40_000,
  /** DynamoDB item size. */
  dynamoItemBytes: 400 * 1024,
  /** Lambda: a function runs at most 15 minutes. */
  lambdaTimeoutSeconds: 900,
} as const;

export const LIMIT_SOURCES = [
  'Kinesis per shard: "A shard supports 1 MB/s and 1000 records per second for writes and 2 MB/s for reads" and 5 GetRecords calls/s shared — Amazon Kinesis Data Streams Developer Guide, https://docs.aws.amazon.com/streams/latest/dev/working-with-streams.html, https://docs.aws.amazon.com/streams/latest/dev/service-sizes-and-limits.html',
  'Enhanced fan-out: 2 MB/s per shard per consumer, 20 consumers per stream — https://docs.aws.amazon.com/streams/latest/dev/enhanced-consumers.html',
  'DynamoDB per partition: 3,000 read or 1,000 write request units/s, or a linear combination — AWS re:Post knowledge center "on-demand table throttling", https://repost.aws/knowledge-center/on-demand-table-throttling-dynamodb',
  'DynamoDB on-demand per table: 40,000 read and 40,000 write request units (default quota) — https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Limits.html',
] as const;
