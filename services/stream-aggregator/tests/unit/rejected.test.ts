import { describe, expect, it } from '@jest/globals';
import { Aggregator, DEFAULT_ENGINE_CONFIG } from '../../src/domain/engine.js';
import { MemoryRejectSink, MemoryStore, MemoryWindowSink } from '../helpers/memory-store.js';
import { badRecord, seqOf } from '../helpers/records.js';

describe('rejected records', () => {
  it('carry each record’s own arrival time and position (the formatted time is memoised)', async () => {
    // Prepare
    const rejects = new MemoryRejectSink();
    const agg = new Aggregator(DEFAULT_ENGINE_CONFIG, {
      store: new MemoryStore(),
      windows: new MemoryWindowSink(),
      rejects,
    });
    const S = 'shardId-000000000001';
    const at = [0, 0, 1500, 1500, 0].map((ms) => Date.UTC(2026, 10, 25, 12) + ms);
    const batch = at.map((ms, i) => ({ ...badRecord(S, seqOf(i)), arrivalTimeMs: ms }));
    // Act
    await agg.processBatch(batch, Number.POSITIVE_INFINITY);
    // Assess
    expect(rejects.all().map((r) => [r.sequenceNumber, r.arrivalTime, r.reason])).toEqual(
      at.map((ms, i) => [seqOf(i), new Date(ms).toISOString(), 'invalid']),
    );
  });

  it('keep the record bytes: UTF-8 as text, anything else as base64', async () => {
    // Prepare
    const rejects = new MemoryRejectSink();
    const agg = new Aggregator(DEFAULT_ENGINE_CONFIG, {
      store: new MemoryStore(),
      windows: new MemoryWindowSink(),
      rejects,
    });
    const S = 'shardId-000000000002';
    // A KPL aggregate that failed to decode: magic bytes, then junk (not UTF-8).
    const binary = Buffer.from([0xf3, 0x89, 0x9a, 0xc2, 0x0a, 0xff, 0x00]);
    const batch = [
      badRecord(S, seqOf(0)),
      { ...badRecord(S, seqOf(1)), payload: binary.toString('base64') },
      { ...badRecord(S, seqOf(2)), payload: new TextEncoder().encode('{"note":"é ✓"') },
    ];
    // Act
    await agg.processBatch(batch, Number.POSITIVE_INFINITY);
    // Assess
    expect(rejects.all().map((r) => [r.data, r.dataEncoding])).toEqual([
      ['{not json', 'utf8'],
      [binary.toString('base64'), 'base64'],
      ['{"note":"é ✓"', 'utf8'],
    ]);
  });
});
