import { describe, expect, it } from '@jest/globals';
import {
  compareUtf8,
  entityOf,
  entityPk,
  quarantineSk,
  resolveTypeShards,
  shardOf,
  timeSk,
  typeShardPk,
  typeShardsFor,
} from '../../src/keys.js';
import { sortKeyCondition } from '../../src/query.js';

describe('key design', () => {
  it('uses the subject as the entity, the source when there is no subject', () => {
    // Prepare
    const withSubject = { source: 'svc/a', subject: 'web-1' };
    const withoutSubject = { source: 'svc/a' };
    const emptySubject = { source: 'svc/a', subject: '' };
    // Act / Assess
    expect(entityOf(withSubject)).toBe('web-1');
    expect(entityOf(withoutSubject)).toBe('svc/a');
    expect(entityOf(emptySubject)).toBe('svc/a');
  });

  it('keeps two events of one entity at the same time as two keys, ordered by time then id', () => {
    // Prepare
    const t = '2026-01-01T00:00:00.000Z';
    // Act
    const a = timeSk(t, 'a');
    const b = timeSk(t, 'b');
    const later = timeSk('2026-01-01T00:00:00.001Z', 'a');
    // Assess
    expect(a).not.toBe(b);
    expect(compareUtf8(a, b)).toBeLessThan(0);
    expect(compareUtf8(b, later)).toBeLessThan(0);
  });

  it('hashes key components over DynamoDB key limits, deterministically', () => {
    // Prepare
    const longEntity = 'x'.repeat(3000);
    const longId = 'é'.repeat(400); // 800 bytes in UTF-8
    // Act
    const pk = entityPk(longEntity);
    const sk = timeSk('2026-01-01T00:00:00.000Z', longId);
    // Assess
    expect(pk).toMatch(/^E#h:[0-9a-f]{64}$/);
    expect(entityPk(longEntity)).toBe(pk);
    expect(Buffer.byteLength(sk)).toBeLessThanOrEqual(1024);
    expect(entityPk('short')).toBe('E#short');
  });

  it('spreads sequential ids evenly over the type shards', () => {
    // Prepare
    const shards = 8;
    const counts = new Array<number>(shards).fill(0);
    // Act
    for (let i = 0; i < 8000; i++) counts[shardOf(`tr-${String(i).padStart(6, '0')}`, shards)]!++;
    // Assess: every shard within ±15% of the mean (1000)
    for (const c of counts) expect(Math.abs(c - 1000)).toBeLessThan(150);
    expect(typeShardPk('app.log', 3)).toBe('T#app.log#3');
  });

  it('gives the same shard for the same id on every call', () => {
    expect(shardOf('event-42', 16)).toBe(shardOf('event-42', 16));
    expect(quarantineSk('shardId-000000000001', '4900', 2)).toBe('shardId-000000000001#4900#2');
  });

  it('orders like DynamoDB (UTF-8 bytes), not like UTF-16 code units', () => {
    // U+FF5E (3 UTF-8 bytes EF BD 9E) vs U+1F600 (4 bytes F0 ...): UTF-16 puts the emoji first.
    expect('\u{1F600}' < '\uFF5E').toBe(true);
    expect(compareUtf8('\u{1F600}', '\uFF5E')).toBeGreaterThan(0);
  });
});

describe('sortKeyCondition (half-open time ranges)', () => {
  it('selects from ≤ time < to with BETWEEN on the bare times', () => {
    // Act
    const c = sortKeyCondition('#sk', {
      from: '2026-01-01T01:00:00+01:00',
      to: '2026-01-01T00:10:00Z',
    });
    // Assess: offsets normalised to UTC ms, as the writer stores them
    expect(c).toEqual({
      expression: '#sk BETWEEN :from AND :to',
      values: { ':from': '2026-01-01T00:00:00.000Z', ':to': '2026-01-01T00:10:00.000Z' },
    });
    const atTo = timeSk('2026-01-01T00:10:00.000Z', 'x');
    const atFrom = timeSk('2026-01-01T00:00:00.000Z', 'x');
    expect(compareUtf8(atTo, c!.values[':to']!)).toBeGreaterThan(0); // excluded
    expect(compareUtf8(atFrom, c!.values[':from']!)).toBeGreaterThan(0); // included
  });

  it('handles open sides, empty ranges and bad times', () => {
    expect(sortKeyCondition('#sk', {})).toBeUndefined();
    expect(sortKeyCondition('#sk', { from: '2026-01-01T00:00:00Z' })?.expression).toBe(
      '#sk >= :from',
    );
    expect(sortKeyCondition('#sk', { to: '2026-01-01T00:00:00Z' })?.expression).toBe('#sk < :to');
    expect(
      sortKeyCondition('#sk', { from: '2026-01-02T00:00:00Z', to: '2026-01-01T00:00:00Z' })
        ?.expression,
    ).toBe('');
    expect(() => sortKeyCondition('#sk', { from: 'yesterday' })).toThrow(/not a time/);
  });
});

describe('type shards from the expected rate', () => {
  it('gives each shard at most half a partition (500 write units/s), never fewer than 8', () => {
    // Act / Assess: ⌈rate × ⌈bytes / 1 KB⌉ / 500⌉, at least 8
    expect(typeShardsFor(0, 1024)).toBe(8);
    expect(typeShardsFor(1000, 600)).toBe(8);
    expect(typeShardsFor(20_000, 600)).toBe(40);
    expect(typeShardsFor(20_000, 1500)).toBe(80);
    expect(typeShardsFor(200_000, 600)).toBe(400);
    expect(typeShardsFor(4_001, 1024)).toBe(9);
  });

  it('refuses a rate that needs more shards than a query may fan out over', () => {
    // Act / Assess
    expect(() => typeShardsFor(256_001, 1024)).toThrow('more than 512');
    expect(() => typeShardsFor(-1, 1024)).toThrow(RangeError);
  });

  it('takes TYPE_SHARDS when set, else the rate, else 8', () => {
    // Act / Assess
    expect(resolveTypeShards({ typeShards: 3, expectedRate: 20_000 })).toBe(3);
    expect(resolveTypeShards({ expectedRate: 20_000 })).toBe(40);
    expect(resolveTypeShards({ expectedRate: 20_000, expectedItemBytes: 2048 })).toBe(80);
    expect(resolveTypeShards({})).toBe(8);
  });
});
