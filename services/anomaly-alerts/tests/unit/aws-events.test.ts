import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import type { KinesisStreamEvent } from 'aws-lambda';
import { DEFAULT_ALERTING_CONFIG } from '../../src/alerting/episode.js';
import { processWindowBatch } from '../../src/batch.js';
import { DEFAULT_DETECTOR_CONFIG } from '../../src/detector/index.js';
import { emptyCounters } from '../../src/processor.js';
import { MemoryStore, RecordingPublisher } from '../helpers/windows.js';

/** One of AWS's published envelopes in events/aws/ (sources in its README). */
function awsEvent(name: string): KinesisStreamEvent {
  return JSON.parse(
    readFileSync(join(import.meta.dirname, '..', '..', 'events', 'aws', `${name}.json`), 'utf8'),
  );
}

describe("AWS's own Kinesis envelope on the aggregates stream", () => {
  it("skips the developer guide's foreign payload alone and scores the window beside it", async () => {
    // Prepare
    const store = new MemoryStore();
    const counters = emptyCounters();
    // Act
    const response = await processWindowBatch(
      awsEvent('kinesis'),
      {
        store,
        publisher: new RecordingPublisher(),
        detector: DEFAULT_DETECTOR_CONFIG,
        alerting: DEFAULT_ALERTING_CONFIG,
        maxConflictRetries: 3,
        outboxLeaseMs: 10_000,
      },
      counters,
    );
    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(counters.skipped).toEqual({ invalid: 1 });
    expect(counters.scored).toBe(1);
  });
});
