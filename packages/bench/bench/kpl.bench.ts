import { defineBench } from '../src/define.js';
import type { KplAggregatedRecord } from '../src/floors/kpl.js';
import { floorAggregate, floorDeaggregate } from '../src/floors/kpl.js';
import { aggAggregate, aggDeaggregateEvent } from '../src/peers/kpl.js';
import type { KplAggregateWorkload } from '../src/workloads.js';

/** Byte-identical to the expected aggregation (aws-kinesis-agg's bytes). */
function identicalBytes(output: unknown, data: KplAggregateWorkload): void {
  const out = output as KplAggregatedRecord[];
  if (out.length !== data.expected.length) {
    throw new Error(`${out.length} aggregated records, expected ${data.expected.length}`);
  }
  out.forEach((record, i) => {
    if (!Buffer.from(record.data).equals(Buffer.from(data.expected[i]!.data))) {
      throw new Error(`aggregated record ${i} differs`);
    }
  });
}

export const suites = [
  defineBench({
    workload: 'kpl-100k-aggregate',
    name: 'floor: hand-written protobuf + MD5',
    kind: 'floor',
    run: (data) => floorAggregate(data.userRecords, data.maxPayloadBytes),
    check: identicalBytes,
  }),
  defineBench({
    workload: 'kpl-100k-aggregate',
    name: 'aws-kinesis-agg aggregate',
    kind: 'peer',
    notes: 'awslabs 4.2.8 (protobufjs)',
    run: (data) => aggAggregate(data.userRecords),
    check: identicalBytes,
  }),
  defineBench({
    workload: 'kpl-100k-deaggregate',
    name: 'floor: base64, MD5 check, hand-written protobuf',
    kind: 'floor',
    run: (data) => {
      let count = 0;
      for (const record of data.event.Records) {
        count += floorDeaggregate(Buffer.from(record.kinesis.data, 'base64'))?.length ?? 0;
      }
      return count;
    },
    check: (output, data) => {
      if (output !== data.userRecordCount) throw new Error(`${output} user records`);
    },
  }),
  defineBench({
    workload: 'kpl-100k-deaggregate',
    name: 'aws-kinesis-agg deaggregateSync',
    kind: 'peer',
    notes: 'checksums on; user records carry base64 data',
    run: (data) => aggDeaggregateEvent(data.event),
    check: (output, data) => {
      if (output !== data.userRecordCount) throw new Error(`${output} user records`);
    },
  }),
];
