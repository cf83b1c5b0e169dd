// streamlens's KPL codec (@streamlens/schema) on the shared KPL workloads. It lives here rather
// than in packages/schema/bench because the bench package already depends on the schema package
// (the reverse dependency would make a cycle).
import { deaggregate, KplAggregator, type KplUserRecord } from '@streamlens/schema';
import { defineBench } from '../src/define.js';
import type { KplAggregatedRecord } from '../src/floors/kpl.js';
import type { KplAggregateWorkload } from '../src/workloads.js';

/**
 * Aggregates as a producer does: add until a record does not fit, then build and start over.
 * The size limit is exact (magic + protobuf + MD5 ≤ 1 MiB), aws-kinesis-agg's payload limit.
 */
function aggregateAll(records: readonly KplUserRecord[]): KplAggregatedRecord[] {
  const aggregator = new KplAggregator({ maxBytes: 1024 * 1024 });
  const out: KplAggregatedRecord[] = [];
  const flush = (): void => {
    out.push({ partitionKey: aggregator.partitionKey as string, data: aggregator.build() });
    aggregator.reset();
  };
  for (const record of records) {
    if (aggregator.add(record)) continue;
    flush();
    if (!aggregator.add(record)) throw new RangeError('user record larger than a KPL record');
  }
  if (aggregator.count > 0) flush();
  return out;
}

/** Byte-identical to aws-kinesis-agg (the floor's expected output). */
function identicalBytes(output: unknown, data: KplAggregateWorkload): void {
  const out = output as KplAggregatedRecord[];
  if (out.length !== data.expected.length) {
    throw new Error(
      `${out.length} aggregated records, aws-kinesis-agg makes ${data.expected.length}`,
    );
  }
  out.forEach((record, i) => {
    if (!Buffer.from(record.data).equals(Buffer.from(data.expected[i]!.data))) {
      throw new Error(`aggregated record ${i} differs from aws-kinesis-agg`);
    }
  });
}

export const suites = [
  defineBench({
    workload: 'kpl-100k-aggregate',
    name: '@streamlens/schema KplAggregator',
    kind: 'streamlens',
    run: (data) => aggregateAll(data.userRecords),
    check: identicalBytes,
  }),
  defineBench({
    workload: 'kpl-100k-deaggregate',
    name: '@streamlens/schema deaggregate',
    kind: 'streamlens',
    notes: 'base64, magic, MD5 verified, Result per record',
    run: (data) => {
      let count = 0;
      for (const record of data.event.Records) {
        const result = deaggregate(Buffer.from(record.kinesis.data, 'base64'));
        if (result.ok) count += result.value.length;
      }
      return count;
    },
    check: (output, data) => {
      if (output !== data.userRecordCount) throw new Error(`${output} user records`);
    },
  }),
];
