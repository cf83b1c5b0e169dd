import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { defineBench, defineWorkload, type KinesisWorkload, workloads } from '@streamlens/bench';
import { clientOptions, startLocalAws } from '@streamlens/local-aws';
import { type IndexBatchResult, type IndexerOptions, indexBatch } from '../src/indexer.js';
import { eventsTableDefinition } from '../src/table.js';

const options = (maxEventBytes: number): IndexerOptions => ({
  tableName: 'bench-events',
  typeShards: 8,
  retentionSeconds: 30 * 86_400,
  quarantineRetentionSeconds: 14 * 86_400,
  compressAboveBytes: 16_384,
  maxEventBytes,
  writeConcurrency: 4,
  backoff: { maxAttempts: 12 },
});

/** A document client that accepts every write and keeps nothing: the CPU path alone. */
const nullDoc = { send: async () => ({}) } as unknown as DynamoDBDocumentClient;

function check(output: unknown, records: number, invalid: number): void {
  const { response, stats } = output as IndexBatchResult;
  if (response.batchItemFailures.length > 0) throw new Error('failures reported');
  if (stats.quarantined !== invalid)
    throw new Error(`${stats.quarantined} quarantined, expected ${invalid}`);
  if (stats.indexed + stats.quarantined !== records)
    throw new Error('records not all accounted for');
}

/** One Lambda batch as the service is configured (batchSize 500), cut from the 6 MB workload. */
const batch500 = defineWorkload<KinesisWorkload>({
  name: 'kinesis-500-dynamodb',
  description: '500 records of kinesis-6mb (the indexer batch size), written to DynamoDB Local',
  events: 500,
  build: () => {
    const full = workloads['kinesis-6mb'].data();
    return {
      ...full,
      event: { Records: full.event.Records.slice(0, 500) },
      records: full.records.slice(0, 500),
      bytes: full.event.Records.slice(0, 500).reduce((n, r) => n + r.kinesis.data.length, 0),
    };
  },
});

export const suites = [
  defineBench({
    workload: 'kinesis-6mb',
    name: 'dynamodb-indexer: decode, validate, build items (null client)',
    kind: 'streamlens',
    notes: 'indexBatch with a client that accepts every BatchWriteItem',
    run: (data) =>
      indexBatch(data.event, nullDoc, options(data.maxRecordBytes), Number.POSITIVE_INFINITY),
    check: (output, data) =>
      check(
        output,
        data.records.length,
        data.records.filter((r) => r.invalid !== undefined).length,
      ),
  }),
  defineBench({
    workload: batch500,
    name: 'dynamodb-indexer: into DynamoDB Local (500-record batch)',
    kind: 'streamlens',
    notes: 'redelivery of the same batch each run: same keys, overwritten',
    setup: async () => {
      // Started once for the bench process; local-aws stops it when the process exits.
      const aws = await startLocalAws({ services: ['dynamodb'] });
      await aws.createResources({ tables: [eventsTableDefinition('bench-events')] });
      const client = new DynamoDBClient({ ...clientOptions(aws.env, 'dynamodb'), maxAttempts: 1 });
      return DynamoDBDocumentClient.from(client);
    },
    run: (data, doc) =>
      indexBatch(data.event, doc, options(data.maxRecordBytes), Date.now() + 60_000),
    check: (output, data) =>
      check(
        output,
        data.records.length,
        data.records.filter((r) => r.invalid !== undefined).length,
      ),
  }),
];
