import { createHash } from 'node:crypto';
import { ErrorCode, fail, KplEncodeError, type Result } from './errors.js';

/**
 * KPL aggregated records (the format of AWS's Kinesis Producer Library and awslabs'
 * kinesis-aggregation): magic F3 89 9A C2, a protobuf `AggregatedRecord`, then the 16-byte MD5 of
 * the protobuf bytes.
 *
 *   message AggregatedRecord { repeated string partition_key_table = 1;
 *                              repeated string explicit_hash_key_table = 2;
 *                              repeated Record records = 3; }
 *   message Record { required uint64 partition_key_index = 1; optional uint64 explicit_hash_key_index = 2;
 *                    required bytes data = 3; repeated Tag tags = 4; }
 *
 * The protobuf is written by hand (no library): key tables in order of first appearance, the way
 * the KPL and aws-kinesis-agg number them, fields in field-number order, so the bytes are identical.
 */

/** One user record inside an aggregated record. */
export interface KplUserRecord {
  partitionKey: string;
  explicitHashKey?: string;
  data: Uint8Array;
}

export const KPL_MAGIC: Readonly<Uint8Array> = Uint8Array.of(0xf3, 0x89, 0x9a, 0xc2);
const MD5_BYTES = 16;
const OVERHEAD = 4 + MD5_BYTES;

/**
 * Default size limit of one aggregated record: Kinesis allows 1 MiB for data plus partition key,
 * so 256 bytes are left for the outer record's partition key.
 */
export const KPL_DEFAULT_MAX_BYTES = 1_048_576 - 256;

/** True if `bytes` starts with the KPL magic number (a plain record does not). */
export function isKplAggregated(bytes: Uint8Array): boolean {
  return (
    bytes instanceof Uint8Array &&
    bytes.length >= 4 &&
    bytes[0] === 0xf3 &&
    bytes[1] === 0x89 &&
    bytes[2] === 0x9a &&
    bytes[3] === 0xc2
  );
}

function varintSize(n: number): number {
  if (n < 0x80) return 1;
  if (n < 0x4000) return 2;
  if (n < 0x200000) return 3;
  if (n < 0x10000000) return 4;
  // indexes and lengths stay far below 2^35 (records are ≤ 1 MiB)
  return 5;
}

function writeVarint(buf: Buffer, pos: number, n: number): number {
  let v = n;
  while (v >= 0x80) {
    buf[pos++] = (v & 0x7f) | 0x80;
    v = Math.floor(v / 128);
  }
  buf[pos++] = v;
  return pos;
}

function utf8Length(s: string): number {
  // ASCII fast path: most partition keys are short ASCII strings.
  return Buffer.byteLength(s, 'utf8');
}

/** Table of keys numbered by first appearance. */
class KeyTable {
  readonly keys: string[] = [];
  readonly lengths: number[] = [];
  readonly index = new Map<string, number>();
  /** Bytes this table adds to the protobuf. */
  bytes = 0;

  indexOf(key: string): number | undefined {
    return this.index.get(key);
  }

  /** Adds the key, returning its index. */
  add(key: string): number {
    const found = this.index.get(key);
    if (found !== undefined) return found;
    const i = this.keys.length;
    const len = utf8Length(key);
    this.index.set(key, i);
    this.keys.push(key);
    this.lengths.push(len);
    this.bytes += 1 + varintSize(len) + len;
    return i;
  }

  /** Bytes adding `key` would add (0 if known). */
  costOf(key: string): number {
    if (this.index.has(key)) return 0;
    const len = utf8Length(key);
    return 1 + varintSize(len) + len;
  }

  clear(): void {
    this.keys.length = 0;
    this.lengths.length = 0;
    this.index.clear();
    this.bytes = 0;
  }
}

function checkRecord(r: KplUserRecord): void {
  if (typeof r?.partitionKey !== 'string' || r.partitionKey.length === 0) {
    throw new KplEncodeError('KPL user record needs a non-empty partitionKey');
  }
  if (!(r.data instanceof Uint8Array))
    throw new KplEncodeError('KPL user record data must be a Uint8Array');
  if (r.explicitHashKey !== undefined && typeof r.explicitHashKey !== 'string') {
    throw new KplEncodeError('KPL explicitHashKey must be a string');
  }
}

function innerSize(pkIdx: number, ehkIdx: number, dataLen: number): number {
  return (
    1 +
    varintSize(pkIdx) +
    (ehkIdx >= 0 ? 1 + varintSize(ehkIdx) : 0) +
    1 +
    varintSize(dataLen) +
    dataLen
  );
}

function encode(
  pk: KeyTable,
  ehk: KeyTable,
  records: readonly KplUserRecord[],
  pkIdx: Int32Array,
  ehkIdx: Int32Array,
  protoBytes: number,
): Uint8Array {
  const out = Buffer.allocUnsafe(protoBytes + OVERHEAD);
  out[0] = 0xf3;
  out[1] = 0x89;
  out[2] = 0x9a;
  out[3] = 0xc2;
  let pos = 4;
  for (let i = 0; i < pk.keys.length; i++) {
    out[pos++] = 0x0a;
    pos = writeVarint(out, pos, pk.lengths[i] as number);
    pos += out.write(pk.keys[i] as string, pos, 'utf8');
  }
  for (let i = 0; i < ehk.keys.length; i++) {
    out[pos++] = 0x12;
    pos = writeVarint(out, pos, ehk.lengths[i] as number);
    pos += out.write(ehk.keys[i] as string, pos, 'utf8');
  }
  for (let i = 0; i < records.length; i++) {
    const data = (records[i] as KplUserRecord).data;
    const p = pkIdx[i] as number;
    const e = ehkIdx[i] as number;
    out[pos++] = 0x1a;
    pos = writeVarint(out, pos, innerSize(p, e, data.length));
    out[pos++] = 0x08;
    pos = writeVarint(out, pos, p);
    if (e >= 0) {
      out[pos++] = 0x10;
      pos = writeVarint(out, pos, e);
    }
    out[pos++] = 0x1a;
    pos = writeVarint(out, pos, data.length);
    out.set(data, pos);
    pos += data.length;
  }
  const digest = createHash('md5').update(out.subarray(4, pos)).digest();
  out.set(digest, pos);
  return out;
}

function hasEhk(r: KplUserRecord): r is KplUserRecord & { explicitHashKey: string } {
  // aws-kinesis-agg treats an empty explicit hash key as absent; so does this codec.
  return r.explicitHashKey !== undefined && r.explicitHashKey.length > 0;
}

/**
 * Aggregates user records into one KPL record (no size limit: use `KplAggregator` to stay under
 * Kinesis's 1 MiB). Throws `KplEncodeError` only for a record without a partition key or bytes.
 */
export function aggregate(records: readonly KplUserRecord[]): Uint8Array {
  const pk = new KeyTable();
  const ehk = new KeyTable();
  const n = records.length;
  const pkIdx = new Int32Array(n);
  const ehkIdx = new Int32Array(n);
  let recordBytes = 0;
  for (let i = 0; i < n; i++) {
    const r = records[i] as KplUserRecord;
    checkRecord(r);
    const p = pk.add(r.partitionKey);
    const e = hasEhk(r) ? ehk.add(r.explicitHashKey) : -1;
    pkIdx[i] = p;
    ehkIdx[i] = e;
    const inner = innerSize(p, e, r.data.length);
    recordBytes += 1 + varintSize(inner) + inner;
  }
  return encode(pk, ehk, records, pkIdx, ehkIdx, pk.bytes + ehk.bytes + recordBytes);
}

/** Reads protobuf fields out of a byte range; every read is bounds-checked. */
class Reader {
  pos: number;
  constructor(
    readonly buf: Buffer,
    start: number,
    readonly end: number,
  ) {
    this.pos = start;
  }

  /** A varint, or -1 if truncated or too long for a safe integer. */
  varint(): number {
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) return -1;
      const b = this.buf[this.pos++] as number;
      result += (b & 0x7f) * mul;
      if (b < 0x80) return result <= Number.MAX_SAFE_INTEGER ? result : -1;
      mul *= 128;
    }
    return -1;
  }

  /** Skips a field of the given wire type; false if malformed. */
  skip(wireType: number): boolean {
    switch (wireType) {
      case 0:
        return this.varint() >= 0;
      case 1:
        this.pos += 8;
        return this.pos <= this.end;
      case 2: {
        const len = this.varint();
        if (len < 0) return false;
        this.pos += len;
        return this.pos <= this.end;
      }
      case 5:
        this.pos += 4;
        return this.pos <= this.end;
      default:
        return false;
    }
  }
}

// Cursor of decodeUserRecord's varint reads: a module-level position avoids allocating a reader
// per user record (100k records per call on the consumer hot path).
let cursor = 0;

/** Reads a varint at `cursor`; -1 if truncated or past the safe-integer range. */
function readVarint(buf: Buffer, end: number): number {
  const first = cursor < end ? (buf[cursor] as number) : -1;
  if (first >= 0 && first < 0x80) {
    cursor++;
    return first;
  }
  let result = 0;
  let mul = 1;
  for (let i = 0; i < 10; i++) {
    if (cursor >= end) return -1;
    const b = buf[cursor++] as number;
    result += (b & 0x7f) * mul;
    if (b < 0x80) return result <= Number.MAX_SAFE_INTEGER ? result : -1;
    mul *= 128;
  }
  return -1;
}

/** Decodes one `Record` message; a string describes why it is malformed. */
function decodeUserRecord(
  buf: Buffer,
  start: number,
  end: number,
  pks: readonly string[],
  ehks: readonly string[],
): KplUserRecord | string {
  cursor = start;
  let pkIndex = -1;
  let ehkIndex = -1;
  let dataStart = -1;
  let dataEnd = -1;
  while (cursor < end) {
    const tag = readVarint(buf, end);
    if (tag < 0) return 'truncated field tag';
    if (tag === 0x08) {
      pkIndex = readVarint(buf, end);
      if (pkIndex < 0) return 'bad partition_key_index';
    } else if (tag === 0x10) {
      ehkIndex = readVarint(buf, end);
      if (ehkIndex < 0) return 'bad explicit_hash_key_index';
    } else if (tag === 0x1a) {
      const len = readVarint(buf, end);
      if (len < 0 || cursor + len > end) return 'truncated data';
      dataStart = cursor;
      dataEnd = cursor + len;
      cursor += len;
    } else {
      const field = Math.floor(tag / 8);
      const wire = tag & 7;
      if (field >= 1 && field <= 3) return `field ${field} has wrong wire type ${wire}`;
      const r = new Reader(buf, cursor, end);
      if (!r.skip(wire)) return `malformed field ${field}`;
      cursor = r.pos;
    }
  }
  if (pkIndex < 0) return 'missing partition_key_index';
  if (dataStart < 0) return 'missing data';
  const partitionKey = pks[pkIndex];
  if (partitionKey === undefined) return `partition_key_index ${pkIndex} out of range`;
  if (ehkIndex < 0) return { partitionKey, data: buf.subarray(dataStart, dataEnd) };
  const explicitHashKey = ehks[ehkIndex];
  if (explicitHashKey === undefined) return `explicit_hash_key_index ${ehkIndex} out of range`;
  return { partitionKey, explicitHashKey, data: buf.subarray(dataStart, dataEnd) };
}

/**
 * Decodes the canonical layout every KPL writer emits (key tables first, then records of exactly
 * `08 pk [10 ehk] 1a data`, short varints) in one pass, without intermediate arrays. Returns
 * undefined for anything else, valid or not: `decodeGeneral` then decides, so both paths accept
 * and reject exactly the same inputs (a test checks they agree).
 */
function decodeCanonical(buf: Buffer, end: number): KplUserRecord[] | undefined {
  const pks: string[] = [];
  const ehks: string[] = [];
  let pos = 4;
  let b = 0;
  let len = 0;
  // Key tables: field 1 (0x0a) and field 2 (0x12), length-delimited.
  while (pos < end) {
    const tag = buf[pos] as number;
    if (tag !== 0x0a && tag !== 0x12) break;
    pos++;
    if (pos >= end) return undefined;
    len = buf[pos++] as number;
    if (len >= 0x80) {
      if (pos >= end) return undefined;
      b = buf[pos++] as number;
      if (b >= 0x80) return undefined;
      len = (len & 0x7f) | (b << 7);
    }
    if (pos + len > end) return undefined;
    (tag === 0x0a ? pks : ehks).push(buf.toString('utf8', pos, pos + len));
    pos += len;
  }
  const npk = pks.length;
  const nehk = ehks.length;
  const out: KplUserRecord[] = [];
  while (pos < end) {
    // Record (field 3, 0x1a): its length, then partition_key_index.
    if (buf[pos] !== 0x1a || pos + 1 >= end) return undefined;
    len = buf[pos + 1] as number;
    pos += 2;
    if (len >= 0x80) {
      if (pos >= end) return undefined;
      b = buf[pos++] as number;
      if (b >= 0x80) {
        if (pos >= end) return undefined;
        const c = buf[pos++] as number;
        if (c >= 0x80) return undefined;
        len = (len & 0x7f) | ((b & 0x7f) << 7) | (c << 14);
      } else {
        len = (len & 0x7f) | (b << 7);
      }
    }
    const recordEnd = pos + len;
    if (recordEnd > end || len < 4 || buf[pos] !== 0x08) return undefined;
    let pk = buf[pos + 1] as number;
    pos += 2;
    if (pk >= 0x80) {
      b = buf[pos++] as number;
      if (b >= 0x80) return undefined;
      pk = (pk & 0x7f) | (b << 7);
    }
    if (pk >= npk) return undefined;
    let ehk = -1;
    if (buf[pos] === 0x10) {
      ehk = buf[pos + 1] as number;
      pos += 2;
      if (ehk >= 0x80) {
        b = buf[pos++] as number;
        if (b >= 0x80) return undefined;
        ehk = (ehk & 0x7f) | (b << 7);
      }
      if (ehk >= nehk) return undefined;
    }
    // data (field 3 of Record, 0x1a): must end exactly where the record ends.
    if (pos >= recordEnd || buf[pos] !== 0x1a) return undefined;
    len = buf[pos + 1] as number;
    pos += 2;
    if (len >= 0x80) {
      b = buf[pos++] as number;
      if (b >= 0x80) {
        const c = buf[pos++] as number;
        if (c >= 0x80) return undefined;
        len = (len & 0x7f) | ((b & 0x7f) << 7) | (c << 14);
      } else {
        len = (len & 0x7f) | (b << 7);
      }
    }
    if (pos + len !== recordEnd) return undefined;
    const data = buf.subarray(pos, recordEnd);
    out.push(
      ehk < 0
        ? { partitionKey: pks[pk] as string, data }
        : { partitionKey: pks[pk] as string, explicitHashKey: ehks[ehk] as string, data },
    );
    pos = recordEnd;
  }
  return out;
}

function malformed(message: string): Result<never> {
  return fail(ErrorCode.KPL_MALFORMED, message);
}

/**
 * De-aggregates a KPL record: verifies magic and MD5, decodes the protobuf. Never throws. A user
 * record's `subSequenceNumber` is its index in the returned array; `data` views share `bytes`.
 */
export function deaggregate(bytes: Uint8Array): Result<KplUserRecord[]> {
  if (!isKplAggregated(bytes)) return malformed('not a KPL aggregated record (no magic bytes)');
  if (bytes.length < OVERHEAD) return malformed('KPL record shorter than magic + checksum');
  const buf = Buffer.isBuffer(bytes)
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const end = buf.length - MD5_BYTES;
  const digest = createHash('md5').update(buf.subarray(4, end)).digest();
  if (digest.compare(buf, end, buf.length) !== 0) {
    return fail(
      ErrorCode.KPL_CHECKSUM_MISMATCH,
      'KPL record MD5 checksum does not match its contents',
    );
  }
  const fast = decodeCanonical(buf, end);
  if (fast !== undefined) return { ok: true, value: fast };
  return decodeGeneral(buf, end);
}

/**
 * Decodes any valid protobuf encoding of `AggregatedRecord` (fields in any order, unknown fields
 * skipped, long varints) and explains what is wrong with an invalid one. Exported for the test
 * that checks the canonical fast path against it.
 */
export function decodeGeneral(buf: Buffer, end: number): Result<KplUserRecord[]> {
  const pks: string[] = [];
  const ehks: string[] = [];
  // Record bodies are decoded after the tables: protobuf allows the fields in any order.
  const recordStarts: number[] = [];
  const recordEnds: number[] = [];
  const r = new Reader(buf, 4, end);
  while (r.pos < end) {
    const tag = r.varint();
    if (tag < 0) return malformed('truncated field tag');
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    if (wire === 2 && field >= 1 && field <= 3) {
      const len = r.varint();
      if (len < 0 || r.pos + len > end) return malformed(`truncated field ${field}`);
      if (field === 3) {
        recordStarts.push(r.pos);
        recordEnds.push(r.pos + len);
      } else {
        (field === 1 ? pks : ehks).push(buf.toString('utf8', r.pos, r.pos + len));
      }
      r.pos += len;
    } else if (field >= 1 && field <= 3) {
      return malformed(`field ${field} has wire type ${wire}, expected 2`);
    } else if (!r.skip(wire)) {
      return malformed(`malformed unknown field ${field}`);
    }
  }
  const out: KplUserRecord[] = new Array(recordStarts.length);
  for (let i = 0; i < recordStarts.length; i++) {
    const rec = decodeUserRecord(
      buf,
      recordStarts[i] as number,
      recordEnds[i] as number,
      pks,
      ehks,
    );
    if (typeof rec === 'string') return malformed(`record ${i}: ${rec}`);
    out[i] = rec;
  }
  return { ok: true, value: out };
}

/**
 * Builds aggregated records incrementally under a byte limit (producer side).
 *
 * @example
 * const agg = new KplAggregator();
 * for (const r of records) {
 *   if (!agg.add(r)) { await send(agg.partitionKey, agg.build()); agg.reset(); if (!agg.add(r)) sendPlain(r); }
 * }
 */
export class KplAggregator {
  readonly maxBytes: number;
  private readonly pk = new KeyTable();
  private readonly ehk = new KeyTable();
  private records: KplUserRecord[] = [];
  private pkIdx: number[] = [];
  private ehkIdx: number[] = [];
  private recordBytes = 0;

  constructor(opts?: { maxBytes?: number }) {
    this.maxBytes = opts?.maxBytes ?? KPL_DEFAULT_MAX_BYTES;
  }

  /**
   * Adds the record if the aggregated record stays within `maxBytes`; returns false (and adds
   * nothing) otherwise. A record that does not fit even alone is never accepted: send it plain.
   */
  add(record: KplUserRecord): boolean {
    checkRecord(record);
    const e = hasEhk(record);
    const p = this.pk.indexOf(record.partitionKey) ?? this.pk.keys.length;
    const ei = e
      ? (this.ehk.indexOf(record.explicitHashKey as string) ?? this.ehk.keys.length)
      : -1;
    const inner = innerSize(p, ei, record.data.length);
    const cost =
      this.pk.costOf(record.partitionKey) +
      (e ? this.ehk.costOf(record.explicitHashKey as string) : 0) +
      1 +
      varintSize(inner) +
      inner;
    if (this.size + cost > this.maxBytes) return false;
    this.pk.add(record.partitionKey);
    if (e) this.ehk.add(record.explicitHashKey as string);
    this.records.push(record);
    this.pkIdx.push(p);
    this.ehkIdx.push(ei);
    this.recordBytes += 1 + varintSize(inner) + inner;
    return true;
  }

  /** Exact byte length `build()` would return now. */
  get size(): number {
    return OVERHEAD + this.pk.bytes + this.ehk.bytes + this.recordBytes;
  }

  /** Number of user records added since the last reset. */
  get count(): number {
    return this.records.length;
  }

  /** Partition key for the outer Kinesis record: the first user record's (the KPL's choice too). */
  get partitionKey(): string | undefined {
    return this.records[0]?.partitionKey;
  }

  /** Explicit hash key for the outer record: the first user record's, if any. */
  get explicitHashKey(): string | undefined {
    const first = this.records[0];
    return first !== undefined && hasEhk(first) ? first.explicitHashKey : undefined;
  }

  /** The aggregated record of everything added since the last reset (does not reset). */
  build(): Uint8Array {
    return encode(
      this.pk,
      this.ehk,
      this.records,
      Int32Array.from(this.pkIdx),
      Int32Array.from(this.ehkIdx),
      this.pk.bytes + this.ehk.bytes + this.recordBytes,
    );
  }

  /** Empties the aggregator. */
  reset(): void {
    this.pk.clear();
    this.ehk.clear();
    this.records = [];
    this.pkIdx = [];
    this.ehkIdx = [];
    this.recordBytes = 0;
  }
}
