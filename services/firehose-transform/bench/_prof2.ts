import { workloads } from '@streamlens/bench';
import { DEFAULT_CONFIG } from '../src/config.js';
import { processFirehoseEvent } from '../src/processor.js';
import { RecordTransformer } from '../src/transform.js';

const data = workloads['firehose-1mib'].data();
const config = { ...DEFAULT_CONFIG, maxEventBytes: data.maxRecordBytes };
const transformer = new RecordTransformer(config);
for (let i = 0; i < 100; i++)
  await processFirehoseEvent(data.event as never, {
    config,
    transformer,
    reingest: async () => [],
    logger: { info() {}, warn() {}, error() {} },
  });
