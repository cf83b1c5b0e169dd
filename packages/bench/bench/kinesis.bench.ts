import { defineBench } from '../src/define.js';
import { floorKinesisBatch } from '../src/floors/kinesis.js';
import {
  type BatchPeerResult,
  powertoolsBatchInnerSchemaKinesis,
  powertoolsBatchKinesis,
  zodLoopKinesisBatch,
} from '../src/peers/kinesis.js';
import type { KinesisWorkload } from '../src/workloads.js';

/** The Powertools peers must report exactly the invalid records as failures. */
function failuresAreTheInvalidRecords(output: unknown, data: KinesisWorkload): void {
  const failed = (output as BatchPeerResult).response.batchItemFailures.length;
  const invalid = data.records.filter((r) => r.invalid !== undefined && r.invalid !== 'oversize');
  if (failed !== invalid.length) {
    throw new Error(`${failed} failures reported for ${invalid.length} invalid records`);
  }
}

export const suites = [
  defineBench({
    workload: 'kinesis-6mb',
    name: 'floor: decode, JSON.parse, sum per series key',
    kind: 'floor',
    run: (data) => floorKinesisBatch(data.event),
  }),
  defineBench({
    workload: 'kinesis-6mb',
    name: 'plain loop + zod 4',
    kind: 'peer',
    run: (data) => zodLoopKinesisBatch(data.event),
  }),
  defineBench({
    workload: 'kinesis-6mb',
    name: 'Powertools BatchProcessor, zod parse in handler',
    kind: 'peer',
    run: (data) => powertoolsBatchKinesis(data.event),
    check: failuresAreTheInvalidRecords,
  }),
  defineBench({
    workload: 'kinesis-6mb',
    name: 'Powertools BatchProcessor, innerSchema + base64',
    kind: 'peer',
    notes: 'the documented way; rebuilds the record schema per record',
    run: (data) => powertoolsBatchInnerSchemaKinesis(data.event),
    check: failuresAreTheInvalidRecords,
  }),
];
