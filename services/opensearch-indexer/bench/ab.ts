/**
 * Paired A/B of two versions of `indexBatch` (null `_bulk` endpoint) with the Kinesis floor,
 * interleaved in one process, CPU and wall time (on a loaded machine only ratios of the same
 * process mean anything). Put the older sources inside the service so that they resolve the
 * workspace packages, then run:
 *
 *   mkdir -p services/opensearch-indexer/.ab-old
 *   git archive <commit> services/opensearch-indexer/src | tar -x --strip-components=2 -C services/opensearch-indexer/.ab-old
 *   node --expose-gc --import tsx services/opensearch-indexer/bench/ab.ts services/opensearch-indexer/.ab-old/src 30
 *   rm -r services/opensearch-indexer/.ab-old
 *
 * `NEW_SRC=<dir>` measures another copy as "new" (an A/A run should print new/old 1.00). Orders
 * alternate rotations of the order and of its reverse (see services/firehose-transform/bench/ab.ts).
 * Prints the median of the per-round ratios old/floor, new/floor and new/old.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { floorKinesisBatch, median, medianRatio, pairedRounds, workloads } from '@streamlens/bench';
import type { indexBatch } from '../src/indexer.js';
import { deadLetter, nullSend } from './null-endpoint.js';

type IndexBatch = typeof indexBatch;
/** Both versions are loaded the same way (dynamic import), so that an A/A run gives 1.0. */
async function load(dir: string): Promise<IndexBatch> {
  const m = (await import(pathToFileURL(`${resolve(dir)}/indexer.ts`).href)) as {
    indexBatch: IndexBatch;
  };
  return m.indexBatch;
}
const oldIndex = await load(process.argv[2] ?? 'services/opensearch-indexer/.ab-old/src');
const newIndex = await load(process.env.NEW_SRC ?? 'services/opensearch-indexer/src');

const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
const rounds = Number(process.argv[3] ?? 20);

const data = workloads['kinesis-6mb'].data();
const opts = {
  indexPrefix: 'bench',
  maxEventBytes: data.maxRecordBytes,
  bulk: { maxDocs: 1000, maxBytes: 5 * 1024 * 1024, maxAttempts: 8, baseDelayMs: 5 },
};
const run = (f: IndexBatch) => () =>
  f(data.event, { send: nullSend, deadLetter }, opts, Number.POSITIVE_INFINITY);
const impls: Record<string, () => unknown> = {
  floor: () => floorKinesisBatch(data.event),
  old: run(oldIndex),
  new: run(newIndex),
};
const { cpu, wall } = await pairedRounds(impls, rounds, { warmup: 6, beforeEach: gc });
const ratio = (m: Record<string, number[]>, a: string, b: string): string =>
  medianRatio(m[a]!, m[b]!).toFixed(2);
console.log(
  `kinesis-6mb, ${rounds} rounds: CPU old/floor ${ratio(cpu, 'old', 'floor')} new/floor ` +
    `${ratio(cpu, 'new', 'floor')} new/old ${ratio(cpu, 'new', 'old')}; wall old/floor ` +
    `${ratio(wall, 'old', 'floor')} new/floor ${ratio(wall, 'new', 'floor')} new/old ` +
    `${ratio(wall, 'new', 'old')}; median CPU ms floor ${median(cpu.floor!).toFixed(1)} old ` +
    `${median(cpu.old!).toFixed(1)} new ${median(cpu.new!).toFixed(1)}`,
);
