import type { FirehoseClient } from '@aws-sdk/client-firehose';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { clientConfig } from '@streamlens/lambda-kit';
import type { ReingestItem } from './model.js';
import type { Reingest, ReingestFailure } from './reingest.js';

/** Clients to use instead of building them (tests point them at the stand-ins). */
export interface AwsReingestClients {
  kinesis?: KinesisClient;
  firehose?: FirehoseClient;
}

/**
 * Re-ingestion through the real AWS SDK clients and lambda-kit's reliable helpers (≤ 500 records
 * per call, only failed entries retried, backoff with full jitter, bounded by the deadline).
 *
 * The SDK clients are loaded on first use: most invocations never re-ingest, and a bundled
 * dynamic import keeps their module initialisation out of the cold start.
 */
export function createAwsReingest(clients: AwsReingestClients = {}): Reingest {
  let kinesis = clients.kinesis;
  let firehose = clients.firehose;
  return async (target, items, opts): Promise<ReingestFailure[]> => {
    if (items.length === 0) return [];
    if (target.kind === 'kinesis') {
      const [{ KinesisClient }, { putRecordsReliably }] = await Promise.all([
        import('@aws-sdk/client-kinesis'),
        import('@streamlens/lambda-kit/kinesis'),
      ]);
      kinesis ??= new KinesisClient(clientConfig());
      const byEntry = new Map<object, ReingestItem>();
      const entries = items.map((item) => {
        const entry = { Data: item.data, PartitionKey: item.partitionKey };
        byEntry.set(entry, item);
        return entry;
      });
      const { failed } = await putRecordsReliably(kinesis, target.streamName, entries, opts);
      return failed.map((f) => ({ item: byEntry.get(f.entry)!, code: f.code, message: f.message }));
    }
    const [{ FirehoseClient }, { putRecordBatchReliably }] = await Promise.all([
      import('@aws-sdk/client-firehose'),
      import('@streamlens/lambda-kit/firehose'),
    ]);
    firehose ??= new FirehoseClient(clientConfig());
    const byEntry = new Map<object, ReingestItem>();
    const entries = items.map((item) => {
      const entry = { Data: item.data };
      byEntry.set(entry, item);
      return entry;
    });
    const { failed } = await putRecordBatchReliably(
      firehose,
      target.deliveryStreamName,
      entries,
      opts,
    );
    return failed.map((f) => ({ item: byEntry.get(f.entry)!, code: f.code, message: f.message }));
  };
}
