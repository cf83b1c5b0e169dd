import { defineBench } from '../src/define.js';
import { floorKafkaBatch } from '../src/floors/kafka.js';

export const suites = [
  defineBench({
    workload: 'kafka-6mb',
    name: 'floor: decode, JSON.parse, sum per series key',
    kind: 'floor',
    run: (data) => floorKafkaBatch(data.event),
  }),
  defineBench({
    workload: 'kafka-binary',
    name: 'floor: decode, JSON.parse of the data, type from ce_type, sum per series key',
    kind: 'floor',
    run: (data) => floorKafkaBatch(data.event),
  }),
];
