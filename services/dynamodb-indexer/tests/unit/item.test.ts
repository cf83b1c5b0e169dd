import { describe, expect, it } from '@jest/globals';
import { appLog, telemetryReading } from '@streamlens/schema/testing';
import {
  eventFromItem,
  eventItem,
  type ItemOptions,
  quarantinedFromItem,
  quarantineItem,
  storableAsMap,
} from '../../src/item.js';

const opts: ItemOptions = {
  typeShards: 8,
  retentionSeconds: 30 * 86_400,
  compressAboveBytes: 16_384,
  quarantineRetentionSeconds: 14 * 86_400,
};

describe('eventItem', () => {
  it('builds the same item for the same event on every delivery (no ingestion time)', () => {
    // Prepare
    const event = telemetryReading({
      id: 'e1',
      subject: 'web-1',
      time: '2026-01-01T01:00:00+01:00',
    });
    // Act
    const first = eventItem(structuredClone(event), opts);
    const second = eventItem(structuredClone(event), opts);
    // Assess
    expect(first).toEqual(second);
    expect(first.ok && first.item).toMatchObject({
      pk: 'E#web-1',
      sk: '2026-01-01T00:00:00.000Z#e1',
      gsi1sk: '2026-01-01T00:00:00.000Z#e1',
      type: 'telemetry.reading',
      expiresAt: Date.UTC(2026, 0, 1) / 1000 + 30 * 86_400,
    });
    expect(first.ok && first.item.gsi1pk).toMatch(/^T#telemetry\.reading#[0-7]$/);
  });

  it('takes the TTL from the event time and omits it when retention is 0', () => {
    // Prepare
    const event = appLog({ id: 'l1', time: '2020-06-01T00:00:00.000Z' });
    // Act
    const withTtl = eventItem(event, opts);
    const without = eventItem(event, { ...opts, retentionSeconds: 0 });
    // Assess
    expect(withTtl.ok && withTtl.item.expiresAt).toBe(Date.UTC(2020, 5, 1) / 1000 + 30 * 86_400);
    expect(without.ok && 'expiresAt' in without.item).toBe(false);
  });

  it('stores small events as a map and large ones gzip-compressed, both read back whole', () => {
    // Prepare
    const small = appLog({ id: 's' });
    const large = appLog({ id: 'l', data: { message: 'x'.repeat(50_000) } });
    // Act
    const a = eventItem(small, opts);
    const b = eventItem(large, opts);
    // Assess
    expect(a.ok && a.compressed).toBe(false);
    expect(a.ok && a.item.event).toEqual(small);
    expect(b.ok && b.compressed).toBe(true);
    expect(b.ok && b.item.eventGz).toBeInstanceOf(Uint8Array);
    expect(b.ok && 'event' in b.item).toBe(false);
    expect(eventFromItem(b.ok ? b.item : {})).toEqual(large);
  });

  it('compresses events whose numbers a DynamoDB map cannot hold exactly', () => {
    // Prepare
    const huge = telemetryReading({ id: 'h', data: { value: 1e300 } });
    // Act
    const r = eventItem(huge, opts);
    // Assess
    expect(r.ok && r.compressed).toBe(true);
    expect(eventFromItem(r.ok ? r.item : {})).toEqual(huge);
    expect(storableAsMap({ a: [1, 2.5, -3, null, 'x'] })).toBe(true);
    expect(storableAsMap({ a: 1e-7 })).toBe(false);
    expect(storableAsMap({ a: 2 ** 60 })).toBe(false);
    expect(storableAsMap({ '': 1 })).toBe(false);
  });

  it('refuses an event that does not fit a 400 KB item even compressed', () => {
    // Prepare: random hex does not compress below half its size
    const noise = Array.from({ length: 120_000 }, (_, i) => ((i * 2654435761) >>> 0).toString(16))
      .join('')
      .slice(0, 900_000);
    const event = appLog({ id: 'big', data: { message: noise } });
    // Act
    const r = eventItem(event, opts);
    // Assess
    expect(r.ok).toBe(false);
    expect(!r.ok && r.code).toBe('OVERSIZE_ITEM');
  });
});

describe('quarantineItem', () => {
  it('keys by arrival day and stream position and keeps the raw bytes and reason', () => {
    // Prepare
    const data = Buffer.from('{"not":"an event"');
    // Act
    const r = quarantineItem(
      {
        shardId: 'shardId-000000000000',
        sequenceNumber: '49000',
        subSequenceNumber: 3,
        partitionKey: 'pk',
        eventSourceArn: 'arn:x',
        arrivalTimeMs: Date.UTC(2026, 10, 25, 12),
        code: 'INVALID_JSON',
        message: 'Unexpected end',
        path: '$',
        data,
      },
      opts,
    );
    // Assess
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.item.pk).toBe('Q#2026-11-25');
    expect(r.item.sk).toBe('shardId-000000000000#49000#3');
    expect(r.item.expiresAt).toBe(Date.UTC(2026, 10, 25, 12) / 1000 + 14 * 86_400);
    expect(quarantinedFromItem(r.item)).toMatchObject({
      code: 'INVALID_JSON',
      raw: '{"not":"an event"',
      rawBytes: data.byteLength,
      subSequenceNumber: 3,
    });
  });
});
