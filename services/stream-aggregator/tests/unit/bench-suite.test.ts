import { describe, expect, it } from '@jest/globals';
import { buildKinesisEvent, WORKLOAD_MAX_RECORD_BYTES } from '@streamlens/bench';
import { suites } from '../../bench/aggregator.bench.js';

describe('stream-aggregator bench suite (no I/O)', () => {
  it('passes its check on every run, not only the first, as the runner repeats runs on one state', async () => {
    // Prepare: a small event of the kinesis-6mb kind (same generator, ~5 % invalid records).
    const suite = suites.find((s) => s.workload.name === 'kinesis-6mb')!;
    const data = {
      ...buildKinesisEvent({ targetBytes: 200_000, seed: 7 }),
      maxRecordBytes: WORKLOAD_MAX_RECORD_BYTES,
    };
    const state = await suite.setup!(data);
    // Act
    const outputs: unknown[] = [];
    for (let run = 0; run < 3; run++) outputs.push(await suite.run(data, state));
    // Assess
    expect(data.records.some((r) => r.invalid !== undefined)).toBe(true);
    for (const output of outputs) expect(() => suite.check!(output, data)).not.toThrow();
  });
});
