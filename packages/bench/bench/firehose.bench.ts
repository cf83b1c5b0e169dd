import type { FirehoseTransformationResult } from 'aws-lambda';
import { defineBench } from '../src/define.js';
import { blueprintPassThrough, floorFirehoseTransform } from '../src/floors/firehose.js';
import {
  powertoolsBase64Transform,
  powertoolsEnvelopeTransform,
  zodPerRecordTransform,
} from '../src/peers/firehose.js';
import {
  InputEventSchema3,
  InputEventSchema4,
  InputEventSchema4Compiled,
} from '../src/peers/schemas.js';
import type { FirehoseWorkload } from '../src/workloads.js';

/** Every recordId back exactly once, in order. */
function sameRecordIds(output: unknown, data: FirehoseWorkload): void {
  const records = (output as FirehoseTransformationResult).records;
  if (records.length !== data.event.records.length) throw new Error('record count differs');
  records.forEach((r, i) => {
    if (r.recordId !== data.event.records[i]?.recordId) throw new Error(`recordId ${i} differs`);
  });
}

const floors = (['firehose-1mib', 'firehose-6mib', 'firehose-kinesis-1mib'] as const).map(
  (workload) =>
    defineBench({
      workload,
      name: 'floor: decode, JSON.parse, JSON.stringify + \\n, encode',
      kind: 'floor',
      run: (data) => floorFirehoseTransform(data.event),
      check: sameRecordIds,
    }),
);

const zod4 = zodPerRecordTransform(InputEventSchema4);
const zod4Compiled = zodPerRecordTransform(InputEventSchema4Compiled);
const zod3 = zodPerRecordTransform(InputEventSchema3);

const peers1mib = [
  defineBench({
    workload: 'firehose-1mib',
    name: 'zod 4 schema per record',
    kind: 'peer',
    run: (data) => zod4(data.event),
    check: sameRecordIds,
  }),
  defineBench({
    workload: 'firehose-1mib',
    name: 'zod 4 compiled once (z.compile)',
    kind: 'peer',
    notes: 'zod 4.6 z.compile: AOT fast path, runtime fallback on invalid input',
    run: (data) => zod4Compiled(data.event),
    check: sameRecordIds,
  }),
  defineBench({
    workload: 'firehose-1mib',
    name: 'zod 3 API',
    kind: 'peer',
    notes: 'zod 3.25',
    run: (data) => zod3(data.event),
    check: sameRecordIds,
  }),
  defineBench({
    workload: 'firehose-1mib',
    name: 'Powertools parser, Firehose envelope',
    kind: 'peer',
    notes: 'KinesisFirehoseSchema + JSONStringified(schema) per record',
    run: (data) => powertoolsEnvelopeTransform(data.event),
    check: sameRecordIds,
  }),
  defineBench({
    workload: 'firehose-1mib',
    name: 'Powertools Base64Encoded(schema) per record',
    kind: 'peer',
    notes: 'tries gunzip on every record first',
    run: (data) => powertoolsBase64Transform(data.event),
    check: sameRecordIds,
  }),
  defineBench({
    workload: 'firehose-1mib',
    name: 'AWS blueprint pass-through',
    kind: 'peer',
    notes: 'validates nothing, adds no newline: not a correct transform',
    run: (data) => blueprintPassThrough(data.event),
    check: sameRecordIds,
  }),
];

const peers6mib = [
  defineBench({
    workload: 'firehose-6mib',
    name: 'zod 4 schema per record',
    kind: 'peer',
    run: (data) => zod4(data.event),
    check: sameRecordIds,
  }),
  defineBench({
    workload: 'firehose-6mib',
    name: 'Powertools parser, Firehose envelope',
    kind: 'peer',
    notes: 'KinesisFirehoseSchema + JSONStringified(schema) per record',
    run: (data) => powertoolsEnvelopeTransform(data.event),
    check: sameRecordIds,
  }),
];

export const suites = [...floors, ...peers1mib, ...peers6mib];
