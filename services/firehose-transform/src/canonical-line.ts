import {
  canonicalNumberEnd,
  type InputEventScan,
  normalizeTime,
  type StreamlensEvent,
} from '@streamlens/schema';
import type { RawBuffer } from './line-buffer.js';

/*
 * The output line of a plain record is `JSON.stringify(normalizeEvent(event))` with the enrichment
 * spliced in before its closing brace. When a producer already writes compact JSON (as every
 * JSON.stringify-based producer does), that text is the record's own bytes except for the few
 * fields normalisation rewrites: `time` and the order of the dimensions / attributes map. This
 * module proves, in one pass over the record's bytes, that the bytes are exactly what
 * `JSON.stringify` would write for the parsed event, finds those two fields, and writes the line by
 * copying byte ranges of the record (the sorted map is its own pairs, reordered). Anything it
 * cannot prove sends the record down the general path (normalise + JSON.stringify), which
 * tests/unit/reference.test.ts holds byte-identical to this one.
 *
 * Why the proof is exact. The pass accepts only bytes that are:
 * - ASCII without `\` or DEL: every string of the parsed event is then its raw text, and
 *   `JSON.stringify` writes it back as `"` + text + `"` (it escapes only `"`, `\`, control
 *   characters and lone surrogates, none of which can be there unescaped);
 * - compact: `{`, `"key":value` pairs separated by `,`, `}`, nothing else (no whitespace, nothing
 *   after the closing brace);
 * - numbers spelled as `JSON.stringify` spells them: no exponent, no `-0`, no leading zero, no
 *   trailing fraction zero, at most 15 digits (a decimal of at most 15 significant digits is the
 *   shortest one that round-trips its double, so `String(Number(token)) === token`), and no more
 *   than 5 zeros after `0.` (below 1e-6 JavaScript switches to exponent form);
 * - keys not starting with a digit (integer-like keys are moved first by JavaScript objects) nor
 *   `_` (`__proto__`, which a normalised map would turn into a prototype), and no top-level key
 *   starting with `streamlens` (the enrichment names, which are removed from producer data);
 * - nested objects only where the schema has them: `data`, and its dimensions / attributes map,
 *   whose values are primitives; no arrays;
 * and the parsed objects have as many keys as their text (a duplicate key keeps one property).
 * Together: the parsed event's properties are the text's pairs in the text's order, each written
 * back as it is, so `JSON.stringify(event)` is the text. Normalisation then only changes `time`
 * (`normalizeTime`) and the map order: strings it would trim (leading/trailing spaces) send the
 * record to the general path.
 */

const QUOTE = 0x22;
const COMMA = 0x2c;
const COLON = 0x3a;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const BACKSLASH = 0x5c;
const DEL = 0x7f;
const MINUS = 0x2d;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
const UNDERSCORE = 0x5f;
const LOWER_D = 0x64;
const LOWER_F = 0x66;
const LOWER_N = 0x6e;
const LOWER_S = 0x73;
const LOWER_T = 0x74;
const NEWLINE = 0x0a;
const SPACE = 0x20;

const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
const TIME = ascii('time');
const DATA = ascii('data');
const DIMENSIONS = ascii('dimensions');
const ATTRIBUTES = ascii('attributes');
const STREAMLENS = ascii('streamlens');

/** Maps with more pairs than this take the general path. */
const MAX_PAIRS = 64;

/** Whether `b[at..]` starts with `word`. */
function matches(b: Uint8Array, at: number, word: Uint8Array): boolean {
  for (let i = 0; i < word.length; i++) if (b[at + i] !== word[i]) return false;
  return true;
}

/** End (after the closing quote) of the string starting at `i`, or -1 if it is not plain ASCII. */
function stringEnd(b: Uint8Array, i: number, n: number): number {
  for (let j = i + 1; j < n; j++) {
    const c = b[j]!;
    if (c === QUOTE) return j + 1;
    // Control characters cannot occur unescaped: JSON.parse accepted the text.
    if (c === BACKSLASH || c >= DEL) return -1;
  }
  return -1;
}

/** Whether `c` is an ASCII digit. */
function isDigit(c: number | undefined): boolean {
  return c !== undefined && c >= DIGIT_0 && c <= DIGIT_9;
}

/** End of the string, number or literal starting at `i`, or -1 (objects, arrays, odd spellings). */
function primitiveEnd(b: Uint8Array, i: number, n: number): number {
  const c = b[i];
  if (c === QUOTE) return stringEnd(b, i, n);
  if (c === MINUS || isDigit(c)) return canonicalNumberEnd(b, i, n);
  // JSON.parse accepted the text: a `t`, `n` or `f` here starts true, null or false.
  if (c === LOWER_T || c === LOWER_N) return i + 4;
  if (c === LOWER_F) return i + 5;
  return -1;
}

/** Whether a key at `ks` (its first character) of length `len` could be reordered or special. */
function oddKey(b: Uint8Array, ks: number, len: number): boolean {
  if (len === 0) return true;
  const c = b[ks]!;
  return (c >= DIGIT_0 && c <= DIGIT_9) || c === UNDERSCORE;
}

/** `String#trim` would leave it as it is (the text has no other whitespace than spaces). */
function untrimmed(s: string): boolean {
  const n = s.length;
  return n === 0 || (s.charCodeAt(0) !== SPACE && s.charCodeAt(n - 1) !== SPACE);
}

function keyCount(o: object): number {
  let n = 0;
  for (const _ in o) n++;
  return n;
}

// biome-ignore lint/suspicious/noExplicitAny: the event was validated; fields are read by name
type Any = any;

/**
 * Writes NDJSON lines of validated input events from their own bytes (see the comment at the top
 * of this file). Holds reusable scratch space: one instance per transformer, not re-entrant.
 */
export class CanonicalLineWriter {
  #timeStart = -1;
  #timeEnd = -1;
  #mapStart = -1;
  #mapEnd = -1;
  #topKeys = 0;
  #dataKeys = 0;
  #pairs = 0;
  readonly #pairStart = new Int32Array(MAX_PAIRS);
  readonly #pairEnd = new Int32Array(MAX_PAIRS);
  readonly #order = new Int32Array(MAX_PAIRS);
  readonly #keys: string[] = [];
  /** The normalised `time` of the last line written. */
  time = '';

  /**
   * Writes the line of `event` (parsed from `b[0..n)` and validated) after the record, at `out`:
   * the normalised event's JSON, `suffix` (`,"name":value` pairs) before its closing brace, and
   * `\n`. Returns the end of the line, or -1 (nothing usable written) when the bytes are not
   * provably canonical or normalisation would change more than `time` and the map order. The
   * caller provides room: `out >= n` and `out + n + 8 + 3 * suffix.length + 2 <= b.length`.
   */
  write(event: StreamlensEvent, b: RawBuffer, n: number, out: number, suffix: string): number {
    const e = event as Any;
    const type = e.type;
    const mapKey =
      type === 'telemetry.reading' ? DIMENSIONS : type === 'app.log' ? ATTRIBUTES : undefined;
    if (mapKey === undefined || !this.#scan(b, n, mapKey)) return -1;
    if (keyCount(e) !== this.#topKeys || this.#timeStart < 0) return -1;
    if (!untrimmed(e.id) || !untrimmed(e.source)) return -1;
    if (e.subject !== undefined && !untrimmed(e.subject)) return -1;
    const d = e.data;
    if (keyCount(d) !== this.#dataKeys) return -1;
    let map: Record<string, unknown> | undefined;
    let stringValues: boolean;
    if (mapKey === DIMENSIONS) {
      if (!untrimmed(d.metric) || (d.unit !== undefined && !untrimmed(d.unit))) return -1;
      map = d.dimensions;
      stringValues = true;
    } else {
      if (!untrimmed(d.message) || !untrimmed(d.service)) return -1;
      if (d.traceId !== undefined && !untrimmed(d.traceId)) return -1;
      map = d.attributes;
      stringValues = false;
    }
    let sorted = true;
    if (map !== undefined) {
      if (this.#mapStart < 0) return -1;
      const keys = this.#keys;
      let count = 0;
      for (const k in map) {
        if (!untrimmed(k)) return -1;
        if (stringValues && !untrimmed(map[k] as string)) return -1;
        if (count > 0 && (keys[count - 1] as string) >= k) sorted = false;
        keys[count++] = k;
      }
      if (count !== this.#pairs) return -1;
    } else if (this.#mapStart >= 0) return -1;
    const time = normalizeTime(e.time);
    this.time = time;
    if (!sorted) this.#sortPairs();
    return emit(
      b,
      n,
      out,
      suffix,
      time === e.time ? undefined : time,
      this.#timeStart,
      this.#timeEnd,
      sorted ? -1 : this.#mapStart,
      this.#mapEnd,
      this.#pairStart,
      this.#pairEnd,
      this.#order,
      this.#pairs,
    );
  }

  /** One pass over the record: structure, spellings, and where `time` and the map are. */
  #scan(b: Uint8Array, n: number, mapKey: Uint8Array): boolean {
    this.#timeStart = -1;
    this.#mapStart = -1;
    this.#pairs = 0;
    if (n < 2 || b[0] !== LBRACE || b[n - 1] !== RBRACE) return false;
    let i = 1;
    let keys = 0;
    for (;;) {
      if (b[i] !== QUOTE) return false;
      const ks = i + 1;
      const ke = stringEnd(b, i, n);
      if (ke < 0 || b[ke] !== COLON) return false;
      const len = ke - 1 - ks;
      if (oddKey(b, ks, len)) return false;
      const c0 = b[ks];
      if (c0 === LOWER_S && len >= STREAMLENS.length && matches(b, ks, STREAMLENS)) return false;
      const v = ke + 1;
      let end: number;
      if (b[v] === LBRACE) {
        if (len !== 4 || c0 !== LOWER_D || !matches(b, ks, DATA)) return false;
        end = this.#scanData(b, v, n, mapKey);
      } else {
        end = primitiveEnd(b, v, n);
        if (len === 4 && c0 === LOWER_T && matches(b, ks, TIME)) {
          this.#timeStart = v;
          this.#timeEnd = end;
        }
      }
      if (end < 0) return false;
      keys++;
      const c = b[end];
      if (c === COMMA) i = end + 1;
      else if (c === RBRACE && end === n - 1) break;
      else return false;
    }
    this.#topKeys = keys;
    return true;
  }

  #scanData(b: Uint8Array, start: number, n: number, mapKey: Uint8Array): number {
    let i = start + 1;
    let keys = 0;
    if (b[i] === RBRACE) {
      this.#dataKeys = 0;
      return i + 1;
    }
    for (;;) {
      if (b[i] !== QUOTE) return -1;
      const ks = i + 1;
      const ke = stringEnd(b, i, n);
      if (ke < 0 || b[ke] !== COLON) return -1;
      const len = ke - 1 - ks;
      if (oddKey(b, ks, len)) return -1;
      const v = ke + 1;
      let end: number;
      if (b[v] === LBRACE) {
        if (len !== mapKey.length || !matches(b, ks, mapKey)) return -1;
        end = this.#scanMap(b, v, n);
      } else end = primitiveEnd(b, v, n);
      if (end < 0) return -1;
      keys++;
      const c = b[end];
      if (c === COMMA) i = end + 1;
      else if (c === RBRACE) {
        this.#dataKeys = keys;
        return end + 1;
      } else return -1;
    }
  }

  #scanMap(b: Uint8Array, start: number, n: number): number {
    this.#mapStart = start;
    let i = start + 1;
    let pairs = 0;
    if (b[i] === RBRACE) {
      this.#mapEnd = i + 1;
      return i + 1;
    }
    for (;;) {
      if (b[i] !== QUOTE || pairs === MAX_PAIRS) return -1;
      const ks = i + 1;
      const ke = stringEnd(b, i, n);
      if (ke < 0 || b[ke] !== COLON || oddKey(b, ks, ke - 1 - ks)) return -1;
      const end = primitiveEnd(b, ke + 1, n);
      if (end < 0) return -1;
      this.#pairStart[pairs] = i;
      this.#pairEnd[pairs] = end;
      pairs++;
      const c = b[end];
      if (c === COMMA) i = end + 1;
      else if (c === RBRACE) {
        this.#pairs = pairs;
        this.#mapEnd = end + 1;
        return end + 1;
      } else return -1;
    }
  }

  /**
   * Writes the line of a record `scanInputEvent` accepted (`scan` describes `b[0..n)`), like
   * `write`: `time` is the normalised time when it differs from the record's (else undefined);
   * `suffix` as text or as its UTF-8 bytes. Same room contract as `write` (3 bytes per suffix unit).
   */
  writeScanned(
    scan: InputEventScan,
    b: RawBuffer,
    n: number,
    out: number,
    suffix: string | Uint8Array,
    time: string | Uint8Array | undefined,
  ): number {
    return emit(
      b,
      n,
      out,
      suffix,
      time,
      scan.timeStart - 1,
      scan.timeEnd + 1,
      scan.sorted ? -1 : scan.mapStart,
      scan.mapEnd,
      scan.pairStart,
      scan.pairEnd,
      scan.order,
      scan.pairs,
    );
  }

  /** The map's pair order by key (keys are distinct: an object has no duplicate keys). */
  #sortPairs(): void {
    const keys = this.#keys;
    const order = this.#order;
    const count = this.#pairs;
    for (let i = 0; i < count; i++) {
      const k = keys[i] as string;
      let j = i - 1;
      while (j >= 0 && (keys[order[j]!] as string) > k) {
        order[j + 1] = order[j]!;
        j--;
      }
      order[j + 1] = i;
    }
  }
}

/**
 * Copies the record `b[0..n)` to `out` with the time token `[timeStart, timeEnd)` replaced by
 * `time` (unless undefined) and the map `[mapStart, mapEnd)` rewritten with its pairs in `order`
 * (unless `mapStart` is -1), then the suffix before the closing brace, and `\n`.
 */
function emit(
  b: RawBuffer,
  n: number,
  out: number,
  suffix: string | Uint8Array,
  time: string | Uint8Array | undefined,
  timeStart: number,
  timeEnd: number,
  mapStart: number,
  mapEnd: number,
  pairStart: Int32Array,
  pairEnd: Int32Array,
  order: Int32Array,
  pairs: number,
): number {
  let w = out;
  let from = 0;
  const sortMap = mapStart >= 0;
  const timeFirst = time !== undefined && (!sortMap || timeStart < mapStart);
  if (timeFirst) {
    b.copyWithin(w, 0, timeStart);
    w += timeStart;
    w = writeQuoted(b, w, time);
    from = timeEnd;
  }
  if (sortMap) {
    b.copyWithin(w, from, mapStart);
    w += mapStart - from;
    b[w++] = LBRACE;
    for (let i = 0; i < pairs; i++) {
      if (i > 0) b[w++] = COMMA;
      const p = order[i]!;
      const s = pairStart[p]!;
      const e = pairEnd[p]!;
      // Pairs are short: a loop is cheaper than a copyWithin call for them (the copy never
      // overlaps: the line is written after the record).
      if (e - s <= 48) for (let k = s; k < e; k++) b[w++] = b[k]!;
      else {
        b.copyWithin(w, s, e);
        w += e - s;
      }
    }
    b[w++] = RBRACE;
    from = mapEnd;
    if (time !== undefined && !timeFirst) {
      b.copyWithin(w, from, timeStart);
      w += timeStart - from;
      w = writeQuoted(b, w, time);
      from = timeEnd;
    }
  }
  // Up to the closing brace, then the enrichment, the brace and the newline.
  b.copyWithin(w, from, n - 1);
  w += n - 1 - from;
  if (typeof suffix === 'string') {
    if (suffix.length > 0) w += b.utf8Write(suffix, w, b.length - w);
  } else {
    b.set(suffix, w);
    w += suffix.length;
  }
  b[w++] = RBRACE;
  b[w++] = NEWLINE;
  return w;
}

function writeQuoted(b: RawBuffer, at: number, s: string | Uint8Array): number {
  let w = at;
  b[w++] = QUOTE;
  if (typeof s === 'string') w += b.latin1Write(s, w, b.length - w);
  else {
    b.set(s, w);
    w += s.length;
  }
  b[w++] = QUOTE;
  return w;
}
