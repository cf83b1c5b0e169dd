import { describe, expect, it } from '@jest/globals';
import type { StreamlensEvent } from '@streamlens/schema';
import { appLog, telemetryReading } from '@streamlens/schema/testing';
import type { KinesisStreamEvent } from 'aws-lambda';
import fc from 'fast-check';
import { type IndexerOptions, indexBatch } from '../../src/indexer.js';
import { eventItem } from '../../src/item.js';
import { keyString } from '../../src/keys.js';
import { type BatchFault, FakeDocClient } from '../helpers/fake-doc.js';
import { kinesisEvent, kinesisRecord } from '../helpers/kinesis.js';

const baseOptions: Omit<IndexerOptions, 'backoff'> = {
  tableName: 'events',
  typeShards: 4,
  retentionSeconds: 86_400,
  quarantineRetentionSeconds: 86_400,
  compressAboveBytes: 16_384,
  maxEventBytes: 1_048_576,
  writeConcurrency: 3,
};

/** One record of the generated batch: a valid event (ids drawn from a small pool) or garbage. */
const recordArb = fc.oneof(
  {
    weight: 9,
    arbitrary: fc
      .integer({ min: 0, max: 40 })
      // An id is one event (the producers' contract): its content is a function of the id, so a
      // repeated id is a redelivered duplicate. Few subjects and times make equal times common.
      .map((id): StreamlensEvent => {
        const type = id % 2 === 0 ? 'app.log' : 'telemetry.reading';
        const subject = [undefined, 'web-1', 'web-2', 'db'][id % 4];
        const ms = id % 3;
        const base = {
          id: `ev-${id}`,
          time: new Date(Date.UTC(2026, 0, 1) + ms).toISOString(),
          ...(subject ? { subject } : {}),
        };
        return type === 'app.log' ? appLog(base) : telemetryReading(base);
      }),
  },
  { weight: 1, arbitrary: fc.constantFrom('{"broken":', '[]', '{"specversion":"0.3"}') },
);

const faultArb: fc.Arbitrary<BatchFault> = fc.oneof(
  { weight: 4, arbitrary: fc.constant({ kind: 'ok' } as const) },
  {
    weight: 4,
    arbitrary: fc
      .uniqueArray(fc.integer({ min: 0, max: 24 }), { minLength: 1, maxLength: 25 })
      .map((positions) => ({ kind: 'unprocessed', positions }) as const),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'throttle' } as const) },
);

const batchArb = fc.record({
  records: fc.array(fc.record({ shard: fc.integer({ min: 0, max: 2 }), payload: recordArb }), {
    minLength: 1,
    maxLength: 80,
  }),
  faults: fc.array(faultArb, { minLength: 1, maxLength: 60 }),
  /** How many 100 ms backoff sleeps the invocation has time for. */
  budget: fc.integer({ min: 0, max: 12 }),
});

function buildEvent(records: { shard: number; payload: unknown }[]): KinesisStreamEvent {
  return kinesisEvent(
    records.map((r, i) =>
      kinesisRecord(`shardId-${r.shard}`, String(1_000_000 + i), r.payload as object),
    ),
  );
}

function options(clock: { t: number }): IndexerOptions {
  return {
    ...baseOptions,
    backoff: {
      maxAttempts: 50,
      baseDelayMs: 100,
      maxDelayMs: 100,
      random: () => 0.5,
      now: () => clock.t,
      sleep: async (ms) => {
        clock.t += ms;
      },
    },
  };
}

describe('indexBatch under injected partial failures (property)', () => {
  it('every event ends written exactly once or reported failed; redelivery converges', async () => {
    await fc.assert(
      fc.asyncProperty(batchArb, async ({ records, faults, budget }) => {
        // Prepare
        // The injected faults hit the first calls; after them DynamoDB recovers (else nothing could converge).
        const doc = new FakeDocClient((call) => faults[call] ?? { kind: 'ok' });
        const clock = { t: 0 };
        const event = buildEvent(records);
        // Act
        const { response } = await indexBatch(
          event,
          doc.asDocClient(),
          options(clock),
          budget * 100 + 1,
        );
        // Assess: within one invocation, no key is written twice
        for (const n of doc.writes.values()) expect(n).toBe(1);
        // The reported records of each shard are exactly a suffix starting at its first report.
        const reported = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
        const seenReport = new Map<number, boolean>();
        records.forEach((r, i) => {
          const isReported = reported.has(String(1_000_000 + i));
          if (seenReport.get(r.shard)) expect(isReported).toBe(true);
          if (isReported) seenReport.set(r.shard, true);
          // Not reported ⇒ its item is stored, exactly as eventItem builds it.
          if (!isReported && typeof r.payload !== 'string') {
            const expected = eventItem(r.payload as StreamlensEvent, baseOptions);
            if (!expected.ok) throw new Error('unexpected oversize');
            expect(doc.items.get(keyString(expected.item))).toEqual(expected.item);
          }
          if (!isReported && typeof r.payload === 'string') {
            expect([...doc.items.keys()].some((k) => k.endsWith(`#${1_000_000 + i}#0`))).toBe(true);
          }
        });

        // Redelivery as Lambda does it: from the first reported record of each shard, with the
        // rest of the fault plan, until nothing is reported.
        let pending = event;
        for (let round = 0; round < 40 && reported.size > 0; round++) {
          const again = new Set(
            (
              await indexBatch(pending, doc.asDocClient(), options(clock), clock.t + 10_000)
            ).response.batchItemFailures.map((f) => f.itemIdentifier),
          );
          pending = kinesisEvent(event.Records.filter((r) => again.has(r.kinesis.sequenceNumber)));
          if (again.size === 0) reported.clear();
        }
        expect(reported.size).toBe(0);
        // Finally: one item per distinct event key, each equal to its deterministic item.
        const expectedItems = new Map<string, unknown>();
        for (const r of records) {
          if (typeof r.payload === 'string') continue;
          const e = eventItem(r.payload as StreamlensEvent, baseOptions);
          if (e.ok && !expectedItems.has(keyString(e.item)))
            expectedItems.set(keyString(e.item), e.item);
        }
        const stored = [...doc.items.entries()].filter(([, item]) => item.pk.startsWith('E#'));
        expect(stored.length).toBe(expectedItems.size);
        for (const [key, item] of stored) expect(item).toEqual(expectedItems.get(key));
      }),
      { numRuns: 200 },
    );
  });
});
