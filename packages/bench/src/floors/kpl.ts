import { createHash } from 'node:crypto';

/** A KPL user record (the shape @streamlens/schema uses). */
export interface KplUserRecord {
  readonly partitionKey: string;
  readonly explicitHashKey?: string;
  readonly data: Uint8Array;
}

/** One aggregated record, ready for PutRecords. */
export interface KplAggregatedRecord {
  readonly partitionKey: string;
  readonly explicitHashKey?: string;
  readonly data: Uint8Array;
}

/** KPL magic number (aggregation format 0.9.0). */
export const KPL_MAGIC = Uint8Array.of(0xf3, 0x89, 0x9a, 0xc2);
/**
 * Payload limit `aws-kinesis-agg` aggregates up to: 1 MiB minus the MD5 (16) and the magic (4).
 * The floor splits where aws-kinesis-agg splits, so that both emit the same bytes.
 */
export const KPL_MAX_PAYLOAD_BYTES = 1024 * 1024 - 16 - 4;

function varintSize(value: number): number {
  let size = 1;
  let v = value;
  while (v >= 0x80) {
    v = Math.floor(v / 128);
    size++;
  }
  return size;
}

function writeVarint(buf: Buffer, offset: number, value: number): number {
  let v = value;
  let o = offset;
  while (v >= 0x80) {
    buf[o++] = (v & 0x7f) | 0x80;
    v = Math.floor(v / 128);
  }
  buf[o++] = v;
  return o;
}

/**
 * The floor: a plain hand-written protobuf encoder of KPL aggregated records, splitting into
 * records of at most {@link KPL_MAX_PAYLOAD_BYTES} exactly as `aws-kinesis-agg` 4.2.8 does, so the
 * output is byte-identical to it. Nothing else (no validation beyond what the format needs).
 *
 * @example
 * const aggregated = floorAggregate(userRecords); // [{ partitionKey, data }, ...]
 */
export function floorAggregate(
  records: readonly KplUserRecord[],
  maxPayloadBytes = KPL_MAX_PAYLOAD_BYTES,
): KplAggregatedRecord[] {
  const out: KplAggregatedRecord[] = [];
  let batch: KplUserRecord[] = [];
  let pkTable = new Map<string, number>();
  let ehkTable = new Map<string, number>();
  let total = 0;

  // aws-kinesis-agg estimates a record's size with a lookup that treats index 0 as "absent"
  // (`lookup[key] || count`); the estimate decides where batches split, so the floor mirrors it.
  const potential = (table: Map<string, number>, key: string): number => {
    const index = table.get(key);
    return index ? index : table.size;
  };
  const sizeOf = (record: KplUserRecord): number => {
    let size = 0;
    if (!pkTable.has(record.partitionKey)) {
      const len = record.partitionKey.length;
      size += 1 + varintSize(len) + len;
    }
    const ehk = record.explicitHashKey;
    if (ehk && !ehkTable.has(ehk)) size += 1 + varintSize(ehk.length) + ehk.length;
    let inner = 1 + varintSize(potential(pkTable, record.partitionKey));
    if (ehk) inner += 1 + varintSize(potential(ehkTable, ehk));
    inner += 1 + varintSize(record.data.length) + record.data.length;
    return size + 1 + varintSize(inner) + inner;
  };
  const flush = (): void => {
    if (batch.length > 0) out.push(encodeAggregated(batch));
    batch = [];
    pkTable = new Map();
    ehkTable = new Map();
    total = 0;
  };

  for (const record of records) {
    const size = sizeOf(record);
    if (size > maxPayloadBytes) {
      throw new RangeError(`user record of ${size} bytes does not fit in a KPL record`);
    }
    if (total + size > maxPayloadBytes) {
      flush();
      total = sizeOf(record);
    } else {
      total += size;
    }
    batch.push(record);
    if (!pkTable.has(record.partitionKey)) pkTable.set(record.partitionKey, pkTable.size);
    const ehk = record.explicitHashKey;
    if (ehk && !ehkTable.has(ehk)) ehkTable.set(ehk, ehkTable.size);
  }
  flush();
  return out;
}

/** Encodes one batch as magic + AggregatedRecord protobuf + MD5(protobuf). */
export function encodeAggregated(batch: readonly KplUserRecord[]): KplAggregatedRecord {
  const pkIndex = new Map<string, number>();
  const ehkIndex = new Map<string, number>();
  const pkBytes: Buffer[] = [];
  const ehkBytes: Buffer[] = [];
  const recPk = new Array<number>(batch.length);
  const recEhk = new Array<number>(batch.length);
  const recLen = new Array<number>(batch.length);
  let size = 0;
  for (let i = 0; i < batch.length; i++) {
    const r = batch[i] as KplUserRecord;
    let p = pkIndex.get(r.partitionKey);
    if (p === undefined) {
      p = pkIndex.size;
      pkIndex.set(r.partitionKey, p);
      const b = Buffer.from(r.partitionKey, 'utf8');
      pkBytes.push(b);
      size += 1 + varintSize(b.length) + b.length;
    }
    recPk[i] = p;
    let inner = 1 + varintSize(p);
    let e = -1;
    if (r.explicitHashKey) {
      const found = ehkIndex.get(r.explicitHashKey);
      if (found === undefined) {
        e = ehkIndex.size;
        ehkIndex.set(r.explicitHashKey, e);
        const b = Buffer.from(r.explicitHashKey, 'utf8');
        ehkBytes.push(b);
        size += 1 + varintSize(b.length) + b.length;
      } else {
        e = found;
      }
      inner += 1 + varintSize(e);
    }
    recEhk[i] = e;
    inner += 1 + varintSize(r.data.length) + r.data.length;
    recLen[i] = inner;
    size += 1 + varintSize(inner) + inner;
  }

  const buf = Buffer.allocUnsafe(4 + size + 16);
  buf.set(KPL_MAGIC, 0);
  let o = 4;
  for (const b of pkBytes) {
    buf[o++] = 0x0a;
    o = writeVarint(buf, o, b.length);
    o += b.copy(buf, o);
  }
  for (const b of ehkBytes) {
    buf[o++] = 0x12;
    o = writeVarint(buf, o, b.length);
    o += b.copy(buf, o);
  }
  for (let i = 0; i < batch.length; i++) {
    const r = batch[i] as KplUserRecord;
    buf[o++] = 0x1a;
    o = writeVarint(buf, o, recLen[i] as number);
    buf[o++] = 0x08;
    o = writeVarint(buf, o, recPk[i] as number);
    const e = recEhk[i] as number;
    if (e >= 0) {
      buf[o++] = 0x10;
      o = writeVarint(buf, o, e);
    }
    buf[o++] = 0x1a;
    o = writeVarint(buf, o, r.data.length);
    buf.set(r.data, o);
    o += r.data.length;
  }
  createHash('md5').update(buf.subarray(4, o)).digest().copy(buf, o);
  const first = batch[0] as KplUserRecord;
  // aws-kinesis-agg keys the aggregated record by the first user record's partition key.
  const ehk = batch.some((r) => r.explicitHashKey) ? first.explicitHashKey : undefined;
  return ehk === undefined
    ? { partitionKey: first.partitionKey, data: buf }
    : { partitionKey: first.partitionKey, explicitHashKey: ehk, data: buf };
}

function readVarint(buf: Uint8Array, state: { o: number }): number {
  let result = 0;
  let shift = 1;
  for (;;) {
    const byte = buf[state.o++];
    if (byte === undefined) throw new RangeError('truncated varint');
    result += (byte & 0x7f) * shift;
    if (byte < 0x80) return result;
    shift *= 128;
  }
}

/**
 * The floor: decodes one KPL aggregated record (magic, MD5 verified, protobuf) into user records
 * whose data are views into `bytes` (no copy). Returns undefined when the record is not KPL or
 * its checksum does not match; throws RangeError on a truncated message.
 *
 * @example
 * const users = floorDeaggregate(Buffer.from(kinesisRecord.data, 'base64'));
 */
export function floorDeaggregate(bytes: Uint8Array): KplUserRecord[] | undefined {
  const n = bytes.length;
  if (n < 20 || bytes[0] !== 0xf3 || bytes[1] !== 0x89 || bytes[2] !== 0x9a || bytes[3] !== 0xc2) {
    return undefined;
  }
  const digest = createHash('md5')
    .update(bytes.subarray(4, n - 16))
    .digest();
  for (let i = 0; i < 16; i++) if (digest[i] !== bytes[n - 16 + i]) return undefined;

  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, n);
  const end = n - 16;
  const pks: string[] = [];
  const ehks: string[] = [];
  const out: KplUserRecord[] = [];
  const state = { o: 4 };
  while (state.o < end) {
    const tag = buf[state.o++] as number;
    const len = readVarint(buf, state);
    const start = state.o;
    state.o += len;
    if (state.o > end) throw new RangeError('truncated field');
    if (tag === 0x0a) pks.push(buf.toString('utf8', start, start + len));
    else if (tag === 0x12) ehks.push(buf.toString('utf8', start, start + len));
    else if (tag === 0x1a) {
      const inner = { o: start };
      let pk = 0;
      let ehk = -1;
      let data: Uint8Array = buf.subarray(0, 0);
      while (inner.o < start + len) {
        const t = buf[inner.o++] as number;
        if (t === 0x08) pk = readVarint(buf, inner);
        else if (t === 0x10) ehk = readVarint(buf, inner);
        else if (t === 0x1a) {
          const l = readVarint(buf, inner);
          data = buf.subarray(inner.o, inner.o + l);
          inner.o += l;
        } else if ((t & 7) === 2) inner.o += readVarint(buf, inner);
        else readVarint(buf, inner);
      }
      const partitionKey = pks[pk] as string;
      out.push(
        ehk >= 0
          ? { partitionKey, explicitHashKey: ehks[ehk] as string, data }
          : { partitionKey, data },
      );
    }
  }
  return out;
}
