/**
 * Process CPU time per `indexBatch` of kinesis-6mb (null `_bulk` endpoint, GC threads included),
 * one version of the sources per process. On the loaded session-4 machine this was steadier than
 * the in-process A/B of ab.ts (whose A/A run gave 1.25). Alternate old and new processes:
 *
 *   mkdir -p services/opensearch-indexer/.ab-old
 *   git archive <commit> services/opensearch-indexer/src | tar -x --strip-components=2 -C services/opensearch-indexer/.ab-old
 *   for i in 1 2 3; do
 *     node --import tsx services/opensearch-indexer/bench/cpu-per-batch.ts services/opensearch-indexer/.ab-old/src 40
 *     node --import tsx services/opensearch-indexer/bench/cpu-per-batch.ts services/opensearch-indexer/src 40
 *   done
 *   rm -r services/opensearch-indexer/.ab-old
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { workloads } from '@streamlens/bench';
import type { indexBatch as IndexBatch } from '../src/indexer.js';
import { deadLetter, nullSend } from './null-endpoint.js';

const dir = resolve(process.argv[2] ?? 'services/opensearch-indexer/src');
const batches = Number(process.argv[3] ?? 40);
const { indexBatch } = (await import(pathToFileURL(`${dir}/indexer.ts`).href)) as {
  indexBatch: typeof IndexBatch;
};
const data = workloads['kinesis-6mb'].data();
const opts = {
  indexPrefix: 'bench',
  maxEventBytes: data.maxRecordBytes,
  bulk: { maxDocs: 1000, maxBytes: 5 * 1024 * 1024 },
};
const run = () => indexBatch(data.event, { send: nullSend, deadLetter }, opts, Infinity);
for (let i = 0; i < 10; i++) await run();
const start = process.cpuUsage();
for (let i = 0; i < batches; i++) await run();
const used = process.cpuUsage(start);
console.log(
  `${process.argv[2] ?? dir}: ${((used.user + used.system) / 1000 / batches).toFixed(1)} CPU ms per batch (${batches} batches after 10 warm-up)`,
);
