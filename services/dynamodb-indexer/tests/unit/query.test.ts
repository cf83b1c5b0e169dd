import { describe, expect, it } from '@jest/globals';
import { normalizeEvent, type StreamlensEvent } from '@streamlens/schema';
import { appLog, telemetryReading } from '@streamlens/schema/testing';
import fc from 'fast-check';
import { runQueryCli } from '../../src/cli.js';
import { type IndexerOptions, indexBatch } from '../../src/indexer.js';
import { compareUtf8, entityOf, shardOf, typeShardsFor } from '../../src/keys.js';
import { queryByEntity, queryByType, queryQuarantine } from '../../src/query.js';
import { FakeDocClient } from '../helpers/fake-doc.js';
import { kinesisEvent, kinesisRecord, nextSequenceNumber } from '../helpers/kinesis.js';

const T0 = Date.UTC(2026, 0, 1);
const options: IndexerOptions = {
  tableName: 'events',
  typeShards: 5,
  retentionSeconds: 0,
  quarantineRetentionSeconds: 0,
  compressAboveBytes: 16_384,
  maxEventBytes: 1_048_576,
  writeConcurrency: 2,
  backoff: { sleep: async () => {} },
};

async function store(
  events: readonly unknown[],
  opts: IndexerOptions = options,
): Promise<FakeDocClient> {
  const doc = new FakeDocClient();
  const event = kinesisEvent(
    events.map((e) => kinesisRecord('shardId-0', nextSequenceNumber(), e)),
  );
  const { response } = await indexBatch(event, doc.asDocClient(), opts, Number.MAX_SAFE_INTEGER);
  expect(response.batchItemFailures).toEqual([]);
  return doc;
}

/** The model: filter, order by (time, id) in UTF-8 byte order, newest first, take limit. */
function expected(
  events: StreamlensEvent[],
  keep: (e: StreamlensEvent) => boolean,
  from: number,
  to: number,
  limit: number,
) {
  const key = (e: StreamlensEvent) => `${e.time}#${e.id}`;
  // The store keeps events normalised (ids and other strings trimmed, UTC times).
  return events
    .map((e) => normalizeEvent(structuredClone(e)))
    .filter((e) => keep(e) && Date.parse(e.time) >= from && Date.parse(e.time) < to)
    .sort((a, b) => compareUtf8(key(b), key(a)))
    .slice(0, limit)
    .map((e) => e.id);
}

describe('queries against the stored key design (property)', () => {
  it('by entity and by type (k-way merge over shards) return exactly the model, newest first', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(
          fc.record({
            // Trimmed: the writer trims ids, so " a" and "a" would be one event.
            id: fc
              .string({ minLength: 1, maxLength: 6, unit: 'grapheme' })
              .map((s) => s.trim())
              .filter((s) => s !== ''),
            type: fc.constantFrom('app.log', 'telemetry.reading'),
            subject: fc.constantFrom('a', 'b'),
            ms: fc.integer({ min: 0, max: 20 }),
          }),
          { selector: (r) => r.id, maxLength: 60 },
        ),
        fc.integer({ min: 0, max: 20 }),
        fc.integer({ min: 0, max: 21 }),
        fc.integer({ min: 1, max: 15 }),
        fc.integer({ min: 1, max: 4 }),
        async (specs, fromMs, toMs, limit, pageSize) => {
          // Prepare
          const events: StreamlensEvent[] = specs.map(({ id, type, subject, ms }) => {
            const base = { id, subject, time: new Date(T0 + ms).toISOString() };
            return type === 'app.log' ? appLog(base) : telemetryReading(base);
          });
          const doc = await store(events);
          const range = {
            tableName: 'events',
            from: new Date(T0 + fromMs).toISOString(),
            to: new Date(T0 + toMs).toISOString(),
            limit,
            pageSize,
          };
          // Act
          const byType = await queryByType(doc.asDocClient(), 'app.log', { ...range, shards: 5 });
          const byEntity = await queryByEntity(doc.asDocClient(), 'a', range);
          // Assess
          const [f, t] = [T0 + fromMs, T0 + toMs];
          expect(byType.map((e) => e.id)).toEqual(
            expected(events, (e) => e.type === 'app.log', f, t, limit),
          );
          expect(byEntity.map((e) => e.id)).toEqual(
            expected(events, (e) => entityOf(e) === 'a', f, t, limit),
          );
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('queries', () => {
  it('fan out over the shards the writer derived from the expected rate (40 at 20,000 ev/s)', async () => {
    // Prepare: the writer sized for 20,000 events/s; ids reach shards past the default 8.
    const shards = typeShardsFor(20_000, 1024);
    const events = Array.from({ length: 400 }, (_, i) =>
      telemetryReading({ id: `tr-${i}`, time: new Date(T0 + i).toISOString() }),
    );
    const doc = await store(events, { ...options, typeShards: shards });
    const lines: string[] = [];
    const io = { out: (l: string) => lines.push(l), env: { EXPECTED_EVENTS_PER_SECOND: '20000' } };
    // Act
    const n = await runQueryCli(
      ['type', 'telemetry.reading', '--table', 'events', '--limit', '1000'],
      doc.asDocClient(),
      io,
    );
    // Assess
    expect(shards).toBe(40);
    expect(new Set(events.map((e) => shardOf(e.id, shards))).size).toBe(40);
    expect(n).toBe(400);
  });

  it('hide expired items unless asked, and read oldest first with ascending', async () => {
    // Prepare
    const doc = new FakeDocClient();
    const event = kinesisEvent(
      ['2026-01-01T00:00:00.000Z', '2026-03-01T00:00:00.000Z'].map((time, i) =>
        kinesisRecord(
          'shardId-0',
          nextSequenceNumber(),
          appLog({ id: `x${i}`, subject: 's', time }),
        ),
      ),
    );
    await indexBatch(
      event,
      doc.asDocClient(),
      { ...options, retentionSeconds: 30 * 86_400 },
      Infinity,
    );
    const now = () => Date.UTC(2026, 1, 15); // after the first event's expiry, before the second's
    // Act
    const visible = await queryByEntity(doc.asDocClient(), 's', { tableName: 'events', now });
    const all = await queryByEntity(doc.asDocClient(), 's', {
      tableName: 'events',
      now,
      includeExpired: true,
      ascending: true,
    });
    // Assess
    expect(visible.map((e) => e.id)).toEqual(['x1']);
    expect(all.map((e) => e.id)).toEqual(['x0', 'x1']);
  });

  it('list quarantined records of the arrival days in range', async () => {
    // Prepare
    const doc = new FakeDocClient();
    const arrival = Date.UTC(2026, 10, 25, 10) / 1000;
    const event = kinesisEvent([
      kinesisRecord('shardId-0', '7', '{"oops"', { arrivalSeconds: arrival }),
    ]);
    await indexBatch(event, doc.asDocClient(), options, Infinity);
    // Act
    const found = await queryQuarantine(doc.asDocClient(), {
      tableName: 'events',
      from: '2026-11-25T00:00:00Z',
      to: '2026-11-26T00:00:00Z',
    });
    // Assess
    expect(found).toMatchObject([{ code: 'INVALID_JSON', raw: '{"oops"', sequenceNumber: '7' }]);
  });
});

describe('runQueryCli', () => {
  it('prints NDJSON, one event per line, with the table from the environment', async () => {
    // Prepare
    const events = [1, 2, 3].map((i) =>
      telemetryReading({ id: `c${i}`, subject: 'host', time: new Date(T0 + i).toISOString() }),
    );
    const doc = await store(events);
    const lines: string[] = [];
    // Act
    const n = await runQueryCli(['entity', 'host', '--limit', '2'], doc.asDocClient(), {
      out: (l) => lines.push(l),
      env: { EVENTS_TABLE_NAME: 'events' },
    });
    // Assess
    expect(n).toBe(2);
    expect(lines.every((l) => l.endsWith('\n'))).toBe(true);
    expect(lines.map((l) => JSON.parse(l).id)).toEqual(['c3', 'c2']);
  });

  it('rejects a missing table, an unknown command and a bad limit', async () => {
    const doc = new FakeDocClient().asDocClient();
    const io = { out: () => {}, env: { EVENTS_TABLE_NAME: 'events' } };
    await expect(runQueryCli(['entity', 'x'], doc, { ...io, env: {} })).rejects.toThrow(/--table/);
    await expect(runQueryCli(['nope'], doc, io)).rejects.toThrow(/unknown command/);
    await expect(runQueryCli(['type', 'app.log', '--limit', '-1'], doc, io)).rejects.toThrow();
  });
});
