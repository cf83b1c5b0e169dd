import { defineBench, defineWorkload, type KinesisWorkload, workloads } from '@streamlens/bench';
import { startOpenSearchServer } from '@streamlens/local-aws';
import { bulkSender, createOpenSearchClient } from '../src/client.js';
import { type IndexBatchResult, type IndexerOptions, indexBatch } from '../src/indexer.js';
import { ensureIndexTemplate } from '../src/template.js';
import { deadLetter, nullSend } from './null-endpoint.js';

const options = (maxEventBytes: number): IndexerOptions => ({
  indexPrefix: 'bench',
  maxEventBytes,
  bulk: { maxDocs: 1000, maxBytes: 5 * 1024 * 1024, maxAttempts: 8, baseDelayMs: 5 },
});

function check(output: unknown, records: number, invalid: number): void {
  const { response, counts } = output as IndexBatchResult;
  if (response.batchItemFailures.length > 0) throw new Error('failures reported');
  if (counts.invalid !== invalid) throw new Error(`${counts.invalid} invalid, expected ${invalid}`);
  if (counts.indexed + counts.invalid !== records) throw new Error('records not all accounted for');
}

/** One Lambda batch as the service is configured (batchSize 500), cut from the 6 MB workload. */
const batch500 = defineWorkload<KinesisWorkload>({
  name: 'kinesis-500-opensearch',
  description:
    '500 records of kinesis-6mb (the indexer batch size), bulk-indexed into a local OpenSearch node',
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

async function standIn(
  faults?: Parameters<Awaited<ReturnType<typeof startOpenSearchServer>>['setFaults']>[0],
) {
  // In this process; the bench process exits when done, which closes the server.
  const server = await startOpenSearchServer({ faults });
  const client = createOpenSearchClient({
    endpoint: server.endpoint,
    region: 'us-east-1',
    service: 'es',
    signing: 'none',
    requestTimeoutMs: 30_000,
  });
  await ensureIndexTemplate(client, 'bench');
  return bulkSender(client);
}

const invalidOf = (data: { records: readonly { invalid?: unknown }[] }) =>
  data.records.filter((r) => r.invalid !== undefined).length;

export const suites = [
  defineBench({
    workload: 'kinesis-6mb',
    name: 'opensearch-indexer: decode, validate, build bulk bodies (null endpoint)',
    kind: 'streamlens',
    notes: 'indexBatch with a _bulk endpoint that accepts every item',
    run: (data) =>
      indexBatch(
        data.event,
        { send: nullSend, deadLetter },
        options(data.maxRecordBytes),
        Number.POSITIVE_INFINITY,
      ),
    check: (output, data) => check(output, data.records.length, invalidOf(data)),
  }),
  defineBench({
    workload: batch500,
    name: 'opensearch-indexer: into a local OpenSearch node (500-record batch)',
    kind: 'streamlens',
    notes: 'real client over HTTP; redelivery of the same batch each run: same ids, overwritten',
    setup: () => standIn(),
    run: (data, send) =>
      indexBatch(
        data.event,
        { send, deadLetter },
        options(data.maxRecordBytes),
        Date.now() + 60_000,
      ),
    check: (output, data) => check(output, data.records.length, invalidOf(data)),
  }),
  defineBench({
    workload: batch500,
    name: 'opensearch-indexer: local node with 5% per-item 429s (500-record batch)',
    kind: 'streamlens',
    notes: 'seeded rejections; only the rejected items are sent again after a backoff',
    setup: () => standIn({ reject: { probability: 0.05 }, seed: 7 }),
    run: (data, send) =>
      indexBatch(
        data.event,
        { send, deadLetter },
        options(data.maxRecordBytes),
        Date.now() + 60_000,
      ),
    check: (output, data) => check(output, data.records.length, invalidOf(data)),
  }),
];
