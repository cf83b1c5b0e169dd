import { createRequire } from 'node:module';
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';

// kinesalite's own db module and, captured before the BigInt versions replace them, its
// bignumber.js functions: the oracle.
const require = createRequire(import.meta.url);
const kinesaliteRequire = createRequire(require.resolve('kinesalite'));
type Db = {
  partitionKeyToHashKey(key: unknown): { comparedTo(other: unknown): number | null };
  parseSequence(seq: unknown): Record<string, unknown>;
  stringifySequence(obj: Record<string, unknown>): string;
};
const db = kinesaliteRequire('./db') as Db;
const original = { ...db };
const fast = require('../../src/kinesis/fast-sequences.cjs') as {
  install(db: Db): Pick<Db, 'partitionKeyToHashKey' | 'parseSequence' | 'stringifySequence'>;
};
const returned = fast.install(db);

/** Result or thrown message, so that errors compare too. */
function outcome<T>(fn: () => T): { value: T } | { error: string } {
  try {
    return { value: fn() };
  } catch (error) {
    return { error: String((error as Error).message) };
  }
}

const shardIx = fc.oneof(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 2 ** 31 - 1 }));
const sequenceObject = fc.record(
  {
    shardCreateTime: fc.oneof(
      fc.integer({ min: 1_400_000_000_000, max: 2_000_000_000_000 }),
      fc.integer({ min: 0, max: 2 ** 40 }),
    ),
    shardIx,
    seqIx: fc.oneof(
      fc.integer({ min: 0, max: 2 ** 40 }),
      fc.bigInt({ min: 0n, max: (1n << 63n) - 1n }).map(String),
      fc.constant(undefined),
    ),
    seqTime: fc.oneof(
      fc.integer({ min: 1_400_000_000_000, max: 2_000_000_000_000 }),
      fc.constant(undefined),
    ),
    byte1: fc.oneof(fc.constant(undefined), fc.constantFrom('00', '0a', 'ff')),
  },
  { requiredKeys: ['shardCreateTime'] },
);

describe('kinesalite sequence arithmetic on BigInt', () => {
  it('returns the bignumber.js originals from install and keeps them out of db', () => {
    // Assess
    expect(returned.parseSequence).toBe(original.parseSequence);
    expect(db.parseSequence).not.toBe(original.parseSequence);
    expect(db.stringifySequence).not.toBe(original.stringifySequence);
    expect(db.partitionKeyToHashKey).not.toBe(original.partitionKeyToHashKey);
  });

  it('builds the same sequence numbers as kinesalite, and parses them back the same', () => {
    fc.assert(
      fc.property(sequenceObject, (obj) => {
        // Act
        const built = outcome(() => db.stringifySequence({ ...obj }));
        const expected = outcome(() => original.stringifySequence({ ...obj }));
        // Assess
        expect(built).toEqual(expected);
        if ('value' in built) {
          expect(outcome(() => db.parseSequence(built.value))).toEqual(
            outcome(() => original.parseSequence(built.value)),
          );
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('parses any digit string (every version, out-of-range values, errors) as kinesalite does', () => {
    const digits = fc.oneof(
      fc.bigInt({ min: 0n, max: 1n << 200n }).map(String),
      fc.bigInt({ min: 1n << 185n, max: 3n << 184n }).map(String),
      fc.stringMatching(/^\d{1,60}$/),
      fc.constantFrom('', 'abc', '-5', '1e50', ' 12', '12.5', '0x10'),
    );
    fc.assert(
      fc.property(digits, (seq) => {
        // Assess
        expect(outcome(() => db.parseSequence(seq))).toEqual(
          outcome(() => original.parseSequence(seq)),
        );
      }),
      { numRuns: 2000 },
    );
  });

  it('computes what PutRecords and GetShardIterator need without the bignumber.js originals', () => {
    // Prepare: a db whose originals throw, so any fallback shows
    const refuse = () => {
      throw new Error('fell back');
    };
    const bare = {
      partitionKeyToHashKey: refuse,
      parseSequence: refuse,
      stringifySequence: refuse,
    } as unknown as Db;
    fast.install(bare);
    const start = { shardCreateTime: 1_764_000_000_000, shardIx: 1 };
    const next = { ...start, seqIx: 41, seqTime: 1_764_000_123_000 };
    // Act
    const startSeq = bare.stringifySequence({ ...start });
    const nextSeq = bare.stringifySequence({ ...next });
    const parsed = bare.parseSequence(nextSeq);
    const order = bare.partitionKeyToHashKey('device-7').comparedTo('0');
    // Assess
    expect(startSeq).toBe(original.stringifySequence({ ...start }));
    expect(nextSeq).toBe(original.stringifySequence({ ...next }));
    expect(parsed).toEqual(original.parseSequence(nextSeq));
    expect(parsed).toMatchObject({ shardIx: 1, seqIx: '41', version: 2 });
    expect(order).toBe(1);
  });

  it('falls back to kinesalite for objects it cannot build exactly (versions 0 and 1, odd fields)', () => {
    // Prepare
    const odd: Record<string, unknown>[] = [
      { shardCreateTime: 1_500_000_000_000, shardIx: 1, version: 1, seqIx: 3 },
      { shardCreateTime: 1_500_000_000_000, shardIx: 4, version: 0 },
      { shardCreateTime: 1_500_000_000_000, shardIx: -1 },
      { shardCreateTime: 1_500_000_000_000, shardIx: 2, seqIx: -4 },
      { shardCreateTime: 1_500_000_000_000, shardIx: 2, seqIx: 1.5 },
      { shardCreateTime: 1_500_000_000_000, shardIx: 2, byte1: 'ZZ' },
      { shardCreateTime: undefined, shardIx: 2 },
    ];
    for (const obj of odd) {
      // Act
      const built = outcome(() => db.stringifySequence({ ...obj }));
      // Assess
      expect(built).toEqual(outcome(() => original.stringifySequence({ ...obj })));
    }
  });

  it('orders partition keys against hash-key bounds as kinesalite does', () => {
    const bound = fc.oneof(
      fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }).map(String),
      fc.constantFrom('0', '340282366920938463463374607431768211455', 0, 5),
    );
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), bound, (key, other) => {
        // Act
        const fastKey = db.partitionKeyToHashKey(key);
        const slowKey = original.partitionKeyToHashKey(key);
        // Assess
        expect(fastKey.comparedTo(other)).toBe(slowKey.comparedTo(other));
      }),
      { numRuns: 2000 },
    );
  });

  it('compares a key with itself as equal and splits the range of two shards as kinesalite does', () => {
    // Prepare: the bounds kinesalite gives a two-shard stream
    const half = ((1n << 128n) / 2n).toString();
    const below = (BigInt(half) - 1n).toString();
    const keys = Array.from({ length: 500 }, (_, i) => `device-${i}`);
    for (const key of keys) {
      // Act
      const fastKey = db.partitionKeyToHashKey(key);
      const slowKey = original.partitionKeyToHashKey(key);
      // Assess
      expect(fastKey.comparedTo(slowKey.toString())).toBe(0);
      expect(fastKey.comparedTo(half)).toBe(slowKey.comparedTo(half));
      expect(fastKey.comparedTo(below)).toBe(slowKey.comparedTo(below));
    }
  });
});
