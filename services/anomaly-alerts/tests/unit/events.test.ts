import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { decodeKinesisEvent, processKinesisBatch } from '@streamlens/lambda-kit/kinesis';
import type { KinesisStreamEvent } from 'aws-lambda';
import { DEFAULT_ALERTING_CONFIG } from '../../src/alerting/episode.js';
import { decodeWindow } from '../../src/decode.js';
import { DEFAULT_DETECTOR_CONFIG } from '../../src/detector/index.js';
import { emptyCounters } from '../../src/processor.js';
import { createRecordHandler } from '../helpers/record-handler.js';
import { MemoryStore, RecordingPublisher } from '../helpers/windows.js';

const dir = join(import.meta.dirname, '..', '..', 'events');
const load = (name: string) =>
  JSON.parse(readFileSync(join(dir, name), 'utf8')) as KinesisStreamEvent;

describe('sample events', () => {
  it.each(readdirSync(dir).filter((f) => f.endsWith('.json')))(
    '%s decodes into metrics.window records',
    (name) => {
      // Prepare
      const event = load(name);
      // Act
      const { records, failures } = decodeKinesisEvent(event);
      const decoded = records.map((r) => decodeWindow(r.data));
      // Assess
      expect(failures).toEqual([]);
      expect(decoded.filter((d) => d.ok).length).toBeGreaterThan(0);
      const invalid = decoded.filter((d) => !d.ok);
      expect(invalid.length).toBe(name.includes('invalid') ? 1 : 0);
    },
  );
});

describe('correction-withdraws-spike.json', () => {
  it('publishes the spike, then its withdrawal when revision 1 of the spike window arrives next', async () => {
    // Prepare
    const store = new MemoryStore();
    const publisher = new RecordingPublisher();
    const counters = emptyCounters();
    const onRecord = createRecordHandler(
      {
        store,
        publisher,
        detector: DEFAULT_DETECTOR_CONFIG,
        alerting: DEFAULT_ALERTING_CONFIG,
        maxConflictRetries: 3,
        outboxLeaseMs: 10_000,
      },
      counters,
    );
    // Act
    const res = await processKinesisBatch(load('correction-withdraws-spike.json'), onRecord);
    // Assess
    expect(res.batchItemFailures).toEqual([]);
    const data = publisher.published.map((e) => JSON.parse(e.message).data);
    expect(data.map((d) => [d.status, d.observed])).toEqual([
      ['open', 500],
      ['recovered', 51],
    ]);
    expect(data[1].explanation).toMatch(/^Withdrawn: revision 1/);
    expect(counters).toMatchObject({ scored: 91, correctionsLatest: 1, alertsCompensated: 1 });
  });
});
