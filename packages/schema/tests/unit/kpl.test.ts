import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  aggregate,
  deaggregate,
  ErrorCode,
  isKplAggregated,
  KPL_MAGIC,
  KplAggregator,
  KplEncodeError,
  type KplUserRecord,
} from '../../src/index.js';
import { decodeGeneral } from '../../src/kpl.js';

// aws-kinesis-agg (awslabs) is the oracle. Its typings import aws-sdk v2, so type it locally.
interface OracleUserRecord {
  partitionKey: string;
  explicitPartitionKey?: string;
  subSequenceNumber?: number;
  data: string;
}
interface OracleModule {
  deaggregateSync(
    record: { partitionKey: string; data: string; sequenceNumber: string },
    computeChecksums: boolean,
    cb: (err: Error | null | undefined, records?: OracleUserRecord[]) => void,
  ): void;
  RecordAggregator: new () => {
    addUserRecord(r: { partitionKey: string; explicitHashKey?: string; data: Buffer }): void;
    build(): { partitionKey: string; data: Buffer } | undefined;
  };
}
const oracle = createRequire(import.meta.url)('aws-kinesis-agg') as OracleModule;

function oracleDeaggregate(bytes: Uint8Array): OracleUserRecord[] {
  let out: OracleUserRecord[] | undefined;
  let error: Error | undefined;
  oracle.deaggregateSync(
    { partitionKey: 'outer', data: Buffer.from(bytes).toString('base64'), sequenceNumber: '1' },
    true,
    (err, records) => {
      if (err) error = err;
      else out = records;
    },
  );
  if (error || !out) throw new Error(`oracle failed: ${error?.message}`);
  return out;
}

function oracleAggregate(records: readonly KplUserRecord[]): Buffer {
  const agg = new oracle.RecordAggregator();
  for (const r of records) {
    agg.addUserRecord({
      partitionKey: r.partitionKey,
      ...(r.explicitHashKey === undefined ? {} : { explicitHashKey: r.explicitHashKey }),
      data: Buffer.from(r.data),
    });
  }
  const built = agg.build();
  if (!built) throw new Error('oracle built nothing');
  return built.data;
}

/** Records as plain comparable values. */
function plain(records: readonly KplUserRecord[]) {
  return records.map((r) => ({
    partitionKey: r.partitionKey,
    explicitHashKey: r.explicitHashKey,
    data: Buffer.from(r.data).toString('hex'),
  }));
}

// The oracle keys its tables with plain objects, so integer-like keys ("7") would be reordered by
// Object.keys and "__proto__" misbehaves: prefixing keeps the comparison about the format.
const partitionKey = fc
  .string({ unit: 'grapheme', minLength: 0, maxLength: 20 })
  .map((s) => `k${s}`);
// Real explicit hash keys are 128-bit decimals; ≥ 2^32 they are not array-index-like.
const explicitHashKey = fc.bigInt({ min: 2n ** 32n, max: 2n ** 128n - 1n }).map(String);
const userRecord: fc.Arbitrary<KplUserRecord> = fc
  .record(
    {
      partitionKey: fc.oneof(partitionKey, fc.constantFrom('kA', 'kB', 'kC')),
      explicitHashKey: fc.oneof(
        explicitHashKey,
        fc.constant('340282366920938463463374607431768211455'),
      ),
      data: fc.uint8Array({ maxLength: 300 }),
    },
    { requiredKeys: ['partitionKey', 'data'] },
  )
  .map((r) => r as KplUserRecord);
const userRecords = fc.array(userRecord, { minLength: 1, maxLength: 40 });

describe('KPL aggregate', () => {
  it('starts with the magic bytes and ends with the MD5 of the protobuf', () => {
    // Prepare / Act
    const bytes = aggregate([{ partitionKey: 'a', data: Buffer.from('hello') }]);
    // Assess
    expect(isKplAggregated(bytes)).toBe(true);
    expect([...bytes.subarray(0, 4)]).toEqual([...KPL_MAGIC]);
    const md5 = createHash('md5')
      .update(bytes.subarray(4, bytes.length - 16))
      .digest();
    expect(Buffer.from(bytes.subarray(bytes.length - 16)).equals(md5)).toBe(true);
  });

  it('is byte-identical to aws-kinesis-agg', () => {
    fc.assert(
      fc.property(userRecords, (records) => {
        // Prepare / Act
        const ours = Buffer.from(aggregate(records));
        const theirs = oracleAggregate(records);
        // Assess
        expect(ours.toString('hex')).toBe(theirs.toString('hex'));
      }),
      { numRuns: 200 },
    );
  });

  it('is read back by aws-kinesis-agg with the same user records and subsequence numbers', () => {
    fc.assert(
      fc.property(userRecords, (records) => {
        // Prepare / Act
        const theirs = oracleDeaggregate(aggregate(records));
        // Assess
        // The oracle's protobufjs decoder defaults an absent explicit_hash_key_index to 0, so it
        // reports table entry 0 for records that have none: compare hash keys only where set.
        expect(
          theirs.map((r, i) => ({
            partitionKey: r.partitionKey,
            explicitHashKey:
              records[i]?.explicitHashKey === undefined ? undefined : r.explicitPartitionKey,
            data: Buffer.from(r.data, 'base64').toString('hex'),
          })),
        ).toEqual(plain(records));
        expect(theirs.map((r) => r.subSequenceNumber)).toEqual(records.map((_, i) => i));
      }),
      { numRuns: 200 },
    );
  });

  it('numbers many partition keys (multi-byte varint indexes) like the oracle', () => {
    // Prepare
    const records = Array.from({ length: 1000 }, (_, i) => ({
      partitionKey: `pk-${i % 400}`,
      ...(i % 3 === 0 ? { explicitHashKey: String(2n ** 100n + BigInt(i % 200)) } : {}),
      data: Buffer.from(`record ${i}`),
    }));
    // Act
    const ours = Buffer.from(aggregate(records));
    const back = deaggregate(ours);
    // Assess
    expect(ours.equals(oracleAggregate(records))).toBe(true);
    expect(back.ok && plain(back.value)).toEqual(plain(records));
  });

  it('keeps integer-like partition keys in first-appearance order (aws-kinesis-agg reorders them)', () => {
    // Prepare: the oracle's Object.keys puts "7" before "x" while its indexes say otherwise
    const records = [
      { partitionKey: 'x', data: Buffer.from('0') },
      { partitionKey: '7', data: Buffer.from('1') },
    ];
    // Act
    const ours = aggregate(records);
    const read = oracleDeaggregate(ours);
    // Assess
    expect(read.map((r) => r.partitionKey)).toEqual(['x', '7']);
    const back = deaggregate(ours);
    expect(back.ok && plain(back.value)).toEqual(plain(records));
  });

  it('throws KplEncodeError for a record without a partition key (a programming error)', () => {
    // Prepare
    const bad = [{ partitionKey: '', data: new Uint8Array(1) }];
    // Act / Assess
    expect(() => aggregate(bad)).toThrow(KplEncodeError);
  });
});

describe('KPL deaggregate', () => {
  it('reads what aws-kinesis-agg writes', () => {
    fc.assert(
      fc.property(userRecords, (records) => {
        // Prepare
        const theirs = oracleAggregate(records);
        // Act
        const ours = deaggregate(theirs);
        // Assess
        expect(ours.ok).toBe(true);
        expect(ours.ok && plain(ours.value)).toEqual(plain(records));
      }),
      { numRuns: 200 },
    );
  });

  it('round-trips any record set, including unicode keys and empty data', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            partitionKey: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 10 }),
            data: fc.uint8Array({ maxLength: 50 }),
          }),
          { maxLength: 30 },
        ),
        (records) => {
          // Act
          const back = deaggregate(aggregate(records));
          // Assess
          expect(back.ok && plain(back.value)).toEqual(plain(records));
        },
      ),
    );
  });

  it('reports a corrupted byte as KPL_CHECKSUM_MISMATCH', () => {
    fc.assert(
      fc.property(userRecords, fc.nat(), fc.integer({ min: 1, max: 255 }), (records, at, flip) => {
        // Prepare
        const bytes = Buffer.from(aggregate(records));
        const i = 4 + (at % (bytes.length - 4));
        bytes[i] = (bytes[i] as number) ^ flip;
        // Act
        const result = deaggregate(bytes);
        // Assess
        expect(!result.ok && result.error.code).toBe(ErrorCode.KPL_CHECKSUM_MISMATCH);
      }),
      { numRuns: 200 },
    );
  });

  it('reports a valid checksum over a broken protobuf as KPL_MALFORMED', () => {
    // Prepare: a record pointing at partition key index 5 of a one-entry table
    const proto = Buffer.from([0x0a, 0x01, 0x61, 0x1a, 0x05, 0x08, 0x05, 0x1a, 0x01, 0x78]);
    const md5 = createHash('md5').update(proto).digest();
    const bytes = Buffer.concat([Buffer.from(KPL_MAGIC), proto, md5]);
    // Act
    const result = deaggregate(bytes);
    // Assess
    expect(!result.ok && result.error.code).toBe(ErrorCode.KPL_MALFORMED);
  });

  it('reports a plain record and a truncated one as KPL_MALFORMED', () => {
    // Prepare / Act
    const plainRecord = deaggregate(Buffer.from('{"a":1}'));
    const truncated = deaggregate(Buffer.from([0xf3, 0x89, 0x9a, 0xc2, 0x00]));
    // Assess
    expect(isKplAggregated(Buffer.from('{"a":1}'))).toBe(false);
    expect(!plainRecord.ok && plainRecord.error.code).toBe(ErrorCode.KPL_MALFORMED);
    expect(!truncated.ok && truncated.error.code).toBe(ErrorCode.KPL_MALFORMED);
  });

  it('never throws on random bytes behind the magic number, even with a valid checksum', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.boolean(), (body, withChecksum) => {
        // Prepare
        const md5 = withChecksum
          ? createHash('md5').update(body).digest()
          : Buffer.from(body.subarray(0, 16));
        const bytes = Buffer.concat([Buffer.from(KPL_MAGIC), body, md5]);
        // Act
        const result = deaggregate(bytes);
        // Assess
        if (!result.ok) {
          expect([ErrorCode.KPL_MALFORMED, ErrorCode.KPL_CHECKSUM_MISMATCH]).toContain(
            result.error.code,
          );
        }
      }),
      { numRuns: 2000 },
    );
  });
});

/** Magic + protobuf + its MD5: a KPL record whose checksum is valid whatever the protobuf. */
function withChecksum(proto: Uint8Array): Buffer {
  const md5 = createHash('md5').update(proto).digest();
  return Buffer.concat([Buffer.from(KPL_MAGIC), proto, md5]);
}

/** A Result as a comparable value. */
function comparable(result: ReturnType<typeof deaggregate>) {
  return result.ok ? { ok: true, records: plain(result.value) } : result;
}

describe('KPL deaggregate fast path', () => {
  it('agrees with the general decoder on mutated records with valid checksums', () => {
    fc.assert(
      fc.property(
        userRecords,
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.boolean()), {
          minLength: 1,
          maxLength: 4,
        }),
        (records, edits) => {
          // Prepare: overwrite or insert bytes anywhere in the protobuf, then re-checksum
          const valid = Buffer.from(aggregate(records));
          const bytes = [...valid.subarray(4, valid.length - 16)];
          for (const [at, value, insert] of edits) {
            const i = at % (bytes.length + 1);
            if (insert || i === bytes.length) bytes.splice(i, 0, value);
            else bytes[i] = value;
          }
          const kpl = withChecksum(Uint8Array.from(bytes));
          // Act
          const fast = deaggregate(kpl);
          const general = decodeGeneral(kpl, kpl.length - 16);
          // Assess
          expect(comparable(fast)).toEqual(comparable(general));
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('decodes valid encodings no KPL writer emits (tables after records, unknown and reordered fields, long varints)', () => {
    // Prepare: record 0 has ehk before pk and an unknown varint field 7; record 1 has a
    // non-minimal pk index (0x81 0x80 0x00 = 1) and comes before the ehk table entry
    const proto = Buffer.from([
      0x0a,
      0x01,
      0x61, // pk table: "a"
      0x0a,
      0x01,
      0x62, // pk table: "b"
      0x1a,
      0x0a,
      0x10,
      0x00,
      0x08,
      0x00,
      0x38,
      0x05,
      0x1a,
      0x02,
      0x68,
      0x69, // {pk 0, ehk 0, "hi"}
      0x1a,
      0x07,
      0x08,
      0x81,
      0x80,
      0x00,
      0x1a,
      0x01,
      0x78, // {pk 1, "x"}
      0x12,
      0x01,
      0x39, // ehk table: "9"
    ]);
    // Act
    const result = deaggregate(withChecksum(proto));
    // Assess
    expect(result.ok && plain(result.value)).toEqual(
      plain([
        { partitionKey: 'a', explicitHashKey: '9', data: Buffer.from('hi') },
        { partitionKey: 'b', data: Buffer.from('x') },
      ]),
    );
  });

  it('rejects a record whose data runs past its declared length', () => {
    // Prepare: record length 4 but data claims 2 bytes (the fast path must not accept it)
    const proto = Buffer.from([0x0a, 0x01, 0x61, 0x1a, 0x04, 0x08, 0x00, 0x1a, 0x02, 0x68, 0x69]);
    // Act
    const result = deaggregate(withChecksum(proto));
    // Assess
    expect(!result.ok && result.error.code).toBe(ErrorCode.KPL_MALFORMED);
  });
});

describe('KplAggregator', () => {
  it('reports its exact size and builds what aggregate builds', () => {
    fc.assert(
      fc.property(userRecords, (records) => {
        // Prepare
        const agg = new KplAggregator({ maxBytes: 1_000_000 });
        // Act
        for (const r of records) expect(agg.add(r)).toBe(true);
        const built = agg.build();
        // Assess
        expect(agg.size).toBe(built.length);
        expect(agg.count).toBe(records.length);
        expect(Buffer.from(built).equals(Buffer.from(aggregate(records)))).toBe(true);
        expect(agg.partitionKey).toBe(records[0]?.partitionKey);
      }),
      { numRuns: 100 },
    );
  });

  it('refuses a record that would go over maxBytes and keeps the rest intact', () => {
    fc.assert(
      fc.property(userRecords, fc.integer({ min: 40, max: 3000 }), (records, maxBytes) => {
        // Prepare
        const agg = new KplAggregator({ maxBytes });
        const accepted: KplUserRecord[] = [];
        // Act
        for (const r of records) {
          if (!agg.add(r)) break;
          accepted.push(r);
        }
        const built = agg.build();
        // Assess
        expect(built.length).toBeLessThanOrEqual(maxBytes);
        expect(built.length).toBe(agg.size);
        const back = deaggregate(built);
        expect(back.ok && plain(back.value)).toEqual(plain(accepted));
      }),
      { numRuns: 200 },
    );
  });

  it('starts empty again after reset', () => {
    // Prepare
    const agg = new KplAggregator();
    agg.add({ partitionKey: 'a', data: Buffer.from('x') });
    // Act
    agg.reset();
    agg.add({ partitionKey: 'b', data: Buffer.from('y') });
    // Assess
    const back = deaggregate(agg.build());
    expect(back.ok && plain(back.value)).toEqual(
      plain([{ partitionKey: 'b', data: Buffer.from('y') }]),
    );
  });
});
