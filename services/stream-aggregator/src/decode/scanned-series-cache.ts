import type { InputEventScan } from '@streamlens/schema';
import type { SeriesMeta } from '../domain/types.js';

/**
 * Series metadata of scanned records ({@link scanInputEvent}), keyed by their bytes: a telemetry
 * reading's metric and dimensions object as written, an app.log's service and level. The scanner
 * accepts only compact JSON without escapes, so equal bytes are equal strings, hence the same
 * series (the dimensions text fixes every pair; with configured dimensions the key is finer than
 * the series, which costs entries, never correctness). A hit compares the bytes and builds no
 * string; a miss is filled from the general path's answer for that record.
 *
 * Flat arrays rather than an object per entry: a lookup reads one hash slot, one row of numbers
 * and the key bytes, contiguous in one arena, instead of chasing a Map bucket, an entry, a view
 * and its backing store (each a likely cache miss, per record). Bounded: when `maxEntries` or the
 * arena is full, everything is dropped and refilled.
 */
export class ScannedSeriesCache {
  /** Entry index + 1 heading each hash slot's chain (0: empty); twice the entry capacity. */
  private slots = new Int32Array(512);
  /** Per entry, ROW numbers: hash, tag, name length, key length, key offset, next entry + 1. */
  private rows = new Int32Array(256 * ROW);
  private readonly metas: Array<SeriesMeta | undefined> = [];
  /** The key bytes of every entry (name then map), back to back. */
  private arena = new Uint8Array(1 << 14);
  private arenaView = new DataView(this.arena.buffer);
  private used = 0;
  private entries = 0;

  /** Grows (doubling) up to `maxEntries` entries and `arenaBytes` of key bytes. */
  constructor(
    private readonly maxEntries = 50_000,
    private readonly arenaBytes = 4 << 20,
  ) {}

  /** Number of cached series (for tests). */
  get size(): number {
    return this.entries;
  }

  /**
   * The cached metadata of the scanned record whose bytes `v` views (the scanned array), or
   * undefined. Bytes are hashed and compared four at a time.
   */
  get(v: DataView, scan: InputEventScan): SeriesMeta | undefined {
    const tag = tagOf(scan);
    const h = hashOf(v, scan, tag);
    const ns = scan.nameStart;
    const nl = scan.nameEnd - ns;
    const ms = scan.mapStart;
    const ml = ms < 0 ? 0 : scan.mapEnd - ms;
    const rows = this.rows;
    const arena = this.arenaView;
    const slots = this.slots;
    for (let e = slots[h & (slots.length - 1)]! - 1; e >= 0; e = rows[e * ROW + 5]! - 1) {
      const r = e * ROW;
      if (rows[r] !== h || rows[r + 1] !== tag || rows[r + 2] !== nl || rows[r + 3] !== nl + ml) {
        continue;
      }
      const at = rows[r + 4]!;
      if (sameBytes(arena, at, v, ns, nl) && sameBytes(arena, at + nl, v, ms, ml)) {
        return this.metas[e];
      }
    }
    return undefined;
  }

  /** Remembers `meta` for the scanned record whose bytes `v` views. */
  set(v: DataView, scan: InputEventScan, meta: SeriesMeta): void {
    const tag = tagOf(scan);
    const nl = scan.nameEnd - scan.nameStart;
    const size = nl + (scan.mapStart < 0 ? 0 : scan.mapEnd - scan.mapStart);
    if (size > this.arenaBytes || this.maxEntries < 1) return;
    if (this.entries >= this.maxEntries || this.used + size > this.arenaBytes) {
      this.slots.fill(0);
      this.metas.length = 0;
      this.entries = 0;
      this.used = 0;
    }
    if (this.used + size > this.arena.length) {
      const grown = new Uint8Array(Math.min(this.arenaBytes, 2 * (this.used + size)));
      grown.set(this.arena.subarray(0, this.used));
      this.arena = grown;
      this.arenaView = new DataView(grown.buffer);
    }
    if (this.entries * ROW === this.rows.length) this.grow();
    const h = hashOf(v, scan, tag);
    const b = new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
    const at = this.used;
    this.arena.set(b.subarray(scan.nameStart, scan.nameEnd), at);
    if (size > nl) this.arena.set(b.subarray(scan.mapStart, scan.mapEnd), at + nl);
    this.used += size;
    const e = this.entries++;
    const rows = this.rows;
    const r = e * ROW;
    rows[r] = h;
    rows[r + 1] = tag;
    rows[r + 2] = nl;
    rows[r + 3] = size;
    rows[r + 4] = at;
    this.metas[e] = meta;
    this.link(e);
  }

  /** Doubles the entry capacity (at most `maxEntries`) and rebuilds the chains. */
  private grow(): void {
    const capacity = Math.min(this.maxEntries, (2 * this.rows.length) / ROW);
    const rows = new Int32Array(capacity * ROW);
    rows.set(this.rows);
    this.rows = rows;
    let n = 512;
    while (n < 2 * capacity) n <<= 1;
    this.slots = new Int32Array(n);
    for (let e = 0; e < this.entries; e++) this.link(e);
  }

  private link(e: number): void {
    const slot = this.rows[e * ROW]! & (this.slots.length - 1);
    this.rows[e * ROW + 5] = this.slots[slot]!;
    this.slots[slot] = e + 1;
  }
}

/** Numbers per entry of {@link ScannedSeriesCache}. */
const ROW = 6;

function tagOf(scan: InputEventScan): number {
  return scan.level === undefined ? 0 : scan.level.charCodeAt(0);
}

/** FNV-1a style, a 32-bit word at a time, over the tag, the name bytes and the map bytes. */
function hashOf(v: DataView, scan: InputEventScan, tag: number): number {
  let h = hashRange(v, scan.nameStart, scan.nameEnd, Math.imul(0x811c9dc5 ^ tag, 0x01000193));
  // A separator no ASCII text holds, so that name and map cannot trade bytes.
  h = Math.imul(h ^ 0xff, 0x01000193);
  return scan.mapStart >= 0 ? hashRange(v, scan.mapStart, scan.mapEnd, h) : h;
}

function hashRange(v: DataView, s: number, e: number, h: number): number {
  let i = s;
  for (; i + 4 <= e; i += 4) h = Math.imul(h ^ v.getInt32(i, true), 0x01000193);
  for (; i < e; i++) h = Math.imul(h ^ v.getUint8(i), 0x01000193);
  return h;
}

/** Whether `k[ko..ko+n)` and `v[s..s+n)` hold the same bytes. */
function sameBytes(k: DataView, ko: number, v: DataView, s: number, n: number): boolean {
  let i = 0;
  for (; i + 4 <= n; i += 4) if (k.getInt32(ko + i, true) !== v.getInt32(s + i, true)) return false;
  for (; i < n; i++) if (k.getUint8(ko + i) !== v.getUint8(s + i)) return false;
  return true;
}
