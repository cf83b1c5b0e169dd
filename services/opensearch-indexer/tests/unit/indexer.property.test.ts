import { describe, expect, it } from '@jest/globals';
import { appLog, INVALID_SAMPLES, telemetryReading } from '@streamlens/schema/testing';
import fc from 'fast-check';
import type { DeadLetter } from '../../src/dead-letter.js';
import { indexBatch } from '../../src/indexer.js';
import { fakeBulk } from '../helpers/fake-bulk.js';
import { kinesisEventOf } from '../helpers/kinesis.js';

// One entry per Kinesis record: a valid event (log or reading, id from a small pool so that
// duplicates within a batch happen) or an invalid payload.
const entry = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constantFrom('log', 'reading'),
      id: fc.integer({ min: 0, max: 40 }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'invalid' as const, id: -1 }) },
);
// Per id: the status answered on attempt 1, 2, 3... (undefined = stored; beyond the list: stored).
const statuses = fc.array(fc.constantFrom(undefined, 429, 503, 400), { maxLength: 5 });

describe('indexBatch (property)', () => {
  it('every event ends written exactly once (by id) or dead-lettered or reported failed', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(entry, { minLength: 1, maxLength: 60 }),
        fc.dictionary(fc.integer({ min: 0, max: 40 }).map(String), statuses),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 25 }),
        fc.constantFrom('sink', 'none', 'broken'),
        async (entries, faults, shards, maxAttempts, maxDocs, sinkMode) => {
          // Prepare
          const fake = fakeBulk((id, attempt) => {
            const plan = faults[id.slice(2)];
            return plan?.[attempt - 1];
          });
          const letters: DeadLetter[] = [];
          const deadLetter =
            sinkMode === 'sink'
              ? async (e: readonly DeadLetter[]) => void letters.push(...e)
              : sinkMode === 'broken'
                ? async () => {
                    throw new Error('sink down');
                  }
                : undefined;
          const payloads = entries.map((e) => {
            // An id is one event: its redeliveries carry the same time (so the same daily index).
            const time = `2026-01-0${(e.id % 3) + 1}T12:00:00.000Z`;
            if (e.kind === 'invalid') return INVALID_SAMPLES.WRONG_TYPE;
            return e.kind === 'log'
              ? appLog({ id: `id${e.id}`, time })
              : telemetryReading({ id: `id${e.id}`, time });
          });
          const event = kinesisEventOf(payloads, shards);
          // Act
          const r = await indexBatch(
            event,
            { send: fake.send, deadLetter },
            {
              indexPrefix: 'events',
              maxEventBytes: 1_048_576,
              bulk: { maxAttempts, maxDocs, sleep: async () => undefined },
            },
            Date.now() + 60_000,
          );
          // Assess
          const reported = new Set(r.response.batchItemFailures.map((f) => f.itemIdentifier));
          const lettered = new Set(letters.map((l) => l.sequenceNumber));
          const copies = fake.copies();
          for (let i = 0; i < entries.length; i++) {
            const e = entries[i]!;
            const seq = event.Records[i]!.kinesis.sequenceNumber;
            if (reported.has(seq)) continue;
            if (e.kind === 'invalid') {
              expect(lettered.has(seq)).toBe(true);
              continue;
            }
            // Not reported: stored exactly once (one index, by id) or dead-lettered with a reason.
            const stored = copies.get(`id${e.id}`) === 1;
            expect(stored || lettered.has(seq)).toBe(true);
          }
          // No id is ever stored in two places (same event time → same daily index).
          for (const n of copies.values()) expect(n).toBe(1);
          // Reported records form a suffix of each shard (stop at the first failure).
          const byShard = new Map<string, boolean[]>();
          for (const rec of event.Records) {
            const list = byShard.get(rec.eventID.split(':')[0]!) ?? [];
            list.push(reported.has(rec.kinesis.sequenceNumber));
            byShard.set(rec.eventID.split(':')[0]!, list);
          }
          for (const flags of byShard.values()) {
            const first = flags.indexOf(true);
            if (first >= 0) expect(flags.slice(first).every(Boolean)).toBe(true);
          }
          // Without a working sink, a rejected or invalid record is never silently dropped.
          if (sinkMode !== 'sink') expect(letters).toEqual([]);
        },
      ),
      { numRuns: 300, seed: 42 },
    );
  });
});
