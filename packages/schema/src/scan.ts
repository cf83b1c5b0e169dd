import { LOG_LEVELS, type LogLevel } from './events.js';

/*
 * A validator that reads a record's bytes instead of `JSON.parse` + `validateInputEvent`, for the
 * records producers send most: compact JSON exactly as `JSON.stringify` writes it. It accepts a
 * record only when it can prove all of:
 *
 * 1. the bytes are JSON that `JSON.parse` accepts, and `JSON.stringify(JSON.parse(text))` would
 *    write the same bytes back: ASCII without `\`, DEL or control characters (every string is then
 *    its raw text), compact (`{`, `"key":value` pairs joined by `,`, `}`, no whitespace, nothing
 *    after the closing brace), numbers spelled as JavaScript spells them (no exponent, no `-0`, no
 *    leading zero, no trailing fraction zero, at most 15 significant digits, at most 5 zeros after
 *    `0.`), no duplicate keys, no key that an object would reorder or treat specially (starting with
 *    a digit or `_`), no top-level key starting with `streamlens` (names consumers use for their
 *    own extension attributes), nested objects only as `data` and its `dimensions` / `attributes`
 *    map, no arrays;
 * 2. the event is a valid `telemetry.reading` or `app.log` by the rules of `validateInputEvent`
 *    (the zod schemas in schemas.ts): CloudEvents envelope (`specversion` "1.0", non-empty `id` and
 *    `source`, RFC 3339 `time`, optional non-empty `subject` / `datacontenttype` / `dataschema`,
 *    `data` an object, other attributes allowed), then the data fields by type (unknown fields in
 *    `data` allowed). Numbers that pass rule 1 are finite;
 * 3. `normalizeEvent` would change nothing but `time` and the order of the map: no string it trims
 *    (`id`, `source`, `subject`, `metric`, `unit`, `message`, `service`, `traceId`, map keys,
 *    dimension values) starts or ends with a space (the only whitespace rule 1 lets through).
 *
 * Anything else (invalid events included) is declined, not rejected: the caller then takes its
 * general path (`parseInputEventJson` / `JSON.parse` + `validateEvent`), which gives the same
 * verdict on what the scanner accepts and the exact issue on what it does not. So the scanner never
 * produces an error message, and declining more than necessary is always safe.
 */

const QUOTE = 0x22;
const COMMA = 0x2c;
const COLON = 0x3a;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const BACKSLASH = 0x5c;
const DEL = 0x7f;
const MINUS = 0x2d;
const DOT = 0x2e;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
const UNDERSCORE = 0x5f;
const SPACE = 0x20;
const UPPER_E = 0x45;
const LOWER_C = 0x63;
const LOWER_E = 0x65;
const LOWER_F = 0x66;
const LOWER_N = 0x6e;
const LOWER_P = 0x70;
const LOWER_S = 0x73;
const LOWER_T = 0x74;
const UPPER_T = 0x54;
const UPPER_Z = 0x5a;
const PLUS = 0x2b;

const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));

/** Most pairs a map may have (more: declined). */
export const SCAN_MAX_PAIRS = 64;
/** Most unknown fields per object (more: declined). */
const MAX_UNKNOWN = 16;

// Token kinds.
const STRING = 1;
const NUMBER = 2;
const BOOLEAN = 3;
const NULL = 4;
const OBJECT = 5;

// Envelope fields (bits).
const F_SPECVERSION = 1;
const F_ID = 2;
const F_SOURCE = 4;
const F_TYPE = 8;
const F_TIME = 16;
const F_SUBJECT = 32;
const F_DATACONTENTTYPE = 64;
const F_DATASCHEMA = 128;
const F_DATA = 256;
const REQUIRED = F_SPECVERSION | F_ID | F_SOURCE | F_TYPE | F_TIME | F_DATA;

// Data fields of both input types (slots).
const D_METRIC = 0;
const D_VALUE = 1;
const D_UNIT = 2;
const D_DIMENSIONS = 3;
const D_LEVEL = 4;
const D_MESSAGE = 5;
const D_SERVICE = 6;
const D_TRACE_ID = 7;
const D_ATTRIBUTES = 8;
const D_SLOTS = 9;

const W = {
  specversion: ascii('specversion'),
  id: ascii('id'),
  source: ascii('source'),
  type: ascii('type'),
  time: ascii('time'),
  subject: ascii('subject'),
  datacontenttype: ascii('datacontenttype'),
  dataschema: ascii('dataschema'),
  data: ascii('data'),
  metric: ascii('metric'),
  value: ascii('value'),
  unit: ascii('unit'),
  dimensions: ascii('dimensions'),
  level: ascii('level'),
  message: ascii('message'),
  service: ascii('service'),
  traceId: ascii('traceId'),
  attributes: ascii('attributes'),
  streamlens: ascii('streamlens'),
  constructor: ascii('constructor'),
  prototype: ascii('prototype'),
  v1: ascii('1.0'),
  telemetry: ascii('telemetry.reading'),
  appLog: ascii('app.log'),
} as const;

const LEVEL_BYTES: readonly Uint8Array[] = LOG_LEVELS.map(ascii);

/** Whether `b[at..at+word.length)` is `word`. */
function matches(b: Uint8Array, at: number, word: Uint8Array): boolean {
  for (let i = 0; i < word.length; i++) if (b[at + i] !== word[i]) return false;
  return true;
}

function isDigit(c: number | undefined): boolean {
  return c !== undefined && c >= DIGIT_0 && c <= DIGIT_9;
}

/** 1 for the bytes a plain string may hold as they are: printable ASCII but `"` and `\`. */
const PLAIN = new Uint8Array(256);
for (let c = SPACE; c < DEL; c++) PLAIN[c] = c === QUOTE || c === BACKSLASH ? 0 : 1;

/** Index of the closing quote of the string opening at `i`, or -1 unless it is plain ASCII text. */
function stringClose(b: Uint8Array, i: number, n: number): number {
  // One table load per byte: strings are most of a record.
  let j = i + 1;
  while (j < n && PLAIN[b[j]!] === 1) j++;
  return j < n && b[j] === QUOTE ? j : -1;
}

/**
 * End of the number starting at `i`, or -1 unless it is JSON spelled as `String(number)` spells it
 * (see rule 1 above: then `JSON.stringify(JSON.parse(token)) === token`). Also used by
 * firehose-transform's line writer for records this scanner declines.
 */
export function canonicalNumberEnd(b: Uint8Array, i: number, n: number): number {
  let j = i;
  const negative = b[j] === MINUS;
  if (negative) j++;
  const zero = b[j] === DIGIT_0;
  if (zero) j++;
  else if (isDigit(b[j])) {
    while (j < n && isDigit(b[j])) j++;
  } else return -1;
  let digits = j - i - (negative ? 1 : 0);
  if (j < n && b[j] === DOT) {
    const fraction = ++j;
    while (j < n && isDigit(b[j])) j++;
    if (j === fraction || b[j - 1] === DIGIT_0) return -1;
    if (zero) {
      let k = fraction;
      while (b[k] === DIGIT_0) k++;
      if (k - fraction > 5) return -1;
    }
    digits += j - fraction;
  } else if (zero && negative) return -1;
  const c = b[j];
  if (c === LOWER_E || c === UPPER_E || isDigit(c)) return -1;
  return digits > 15 ? -1 : j;
}

/** Kind of the last primitive read by `primitiveEnd`, and its string content's bounds. */
let kind = 0;

/** End of the string, number, true, false or null at `i` (sets `kind`), or -1. */
function primitiveEnd(b: Uint8Array, i: number, n: number): number {
  const c = b[i];
  if (c === QUOTE) {
    kind = STRING;
    const close = stringClose(b, i, n);
    return close < 0 ? -1 : close + 1;
  }
  if (c === MINUS || isDigit(c)) {
    kind = NUMBER;
    return canonicalNumberEnd(b, i, n);
  }
  if (c === LOWER_T) {
    kind = BOOLEAN;
    return i + 4 <= n && b[i + 1] === 0x72 && b[i + 2] === 0x75 && b[i + 3] === LOWER_E
      ? i + 4
      : -1;
  }
  if (c === LOWER_F) {
    kind = BOOLEAN;
    return i + 5 <= n &&
      b[i + 1] === 0x61 &&
      b[i + 2] === 0x6c &&
      b[i + 3] === LOWER_S &&
      b[i + 4] === LOWER_E
      ? i + 5
      : -1;
  }
  if (c === LOWER_N) {
    kind = NULL;
    return i + 4 <= n && b[i + 1] === 0x75 && b[i + 2] === 0x6c && b[i + 3] === 0x6c ? i + 4 : -1;
  }
  return -1;
}

/** A string token `b[s..e)` (quotes included) that normalisation would trim. */
function edgeSpace(b: Uint8Array, s: number, e: number): boolean {
  return e - s > 2 && (b[s + 1] === SPACE || b[e - 2] === SPACE);
}

/** Whether a key `b[ks..ks+len)` is one the scanner cannot vouch for (empty, integer-like, `_`). */
function oddKey(b: Uint8Array, ks: number, len: number): boolean {
  if (len === 0) return true;
  const c = b[ks]!;
  if ((c >= DIGIT_0 && c <= DIGIT_9) || c === UNDERSCORE) return true;
  // The reserved keys of limits.ts (`__proto__` starts with `_`, above), also padded with spaces
  // (they count once trimmed): the general path rejects them.
  if (c === SPACE || b[ks + len - 1] === SPACE) return true;
  return (
    (len === 11 && c === LOWER_C && matches(b, ks, W.constructor)) ||
    (len === 9 && c === LOWER_P && matches(b, ks, W.prototype))
  );
}

/** The envelope field bit of a key, or 0 for an extension attribute. */
function envelopeField(b: Uint8Array, ks: number, len: number): number {
  switch (len) {
    case 2:
      return matches(b, ks, W.id) ? F_ID : 0;
    case 4:
      if (matches(b, ks, W.type)) return F_TYPE;
      if (matches(b, ks, W.time)) return F_TIME;
      return matches(b, ks, W.data) ? F_DATA : 0;
    case 6:
      return matches(b, ks, W.source) ? F_SOURCE : 0;
    case 7:
      return matches(b, ks, W.subject) ? F_SUBJECT : 0;
    case 10:
      return matches(b, ks, W.dataschema) ? F_DATASCHEMA : 0;
    case 11:
      return matches(b, ks, W.specversion) ? F_SPECVERSION : 0;
    case 15:
      return matches(b, ks, W.datacontenttype) ? F_DATACONTENTTYPE : 0;
    default:
      return 0;
  }
}

/** The data slot of a key, or -1 for an unknown field. */
function dataSlot(b: Uint8Array, ks: number, len: number): number {
  switch (len) {
    case 4:
      return matches(b, ks, W.unit) ? D_UNIT : -1;
    case 5:
      if (matches(b, ks, W.value)) return D_VALUE;
      return matches(b, ks, W.level) ? D_LEVEL : -1;
    case 6:
      return matches(b, ks, W.metric) ? D_METRIC : -1;
    case 7:
      if (matches(b, ks, W.message)) return D_MESSAGE;
      if (matches(b, ks, W.service)) return D_SERVICE;
      return matches(b, ks, W.traceId) ? D_TRACE_ID : -1;
    case 10:
      if (matches(b, ks, W.dimensions)) return D_DIMENSIONS;
      return matches(b, ks, W.attributes) ? D_ATTRIBUTES : -1;
    default:
      return -1;
  }
}

/** Byte order of two keys (ASCII: the order of JavaScript's string comparison). */
function compareKeys(b: Uint8Array, a0: number, a1: number, b0: number, b1: number): number {
  const la = a1 - a0;
  const lb = b1 - b0;
  const m = Math.min(la, lb);
  for (let i = 0; i < m; i++) {
    const d = b[a0 + i]! - b[b0 + i]!;
    if (d !== 0) return d;
  }
  return la - lb;
}

/**
 * What `scanInputEvent` found in an accepted record. Offsets index the scanned array. One instance
 * is reused from record to record (its arrays are not reallocated).
 */
export class InputEventScan {
  /** The event type. */
  type: 'telemetry.reading' | 'app.log' = 'telemetry.reading';
  /** `data.level` of an `app.log`, else undefined. */
  level: LogLevel | undefined = undefined;
  /** `time`'s text (without quotes) is `[timeStart, timeEnd)`. */
  timeStart = -1;
  timeEnd = -1;
  /** `id`, `source` and `subject` texts (without quotes); `subjectStart` is -1 when absent. */
  idStart = -1;
  idEnd = -1;
  sourceStart = -1;
  sourceEnd = -1;
  subjectStart = -1;
  subjectEnd = -1;
  /** The `data` object `[dataStart, dataEnd)` (braces included). */
  dataStart = -1;
  dataEnd = -1;
  /** `data.message` and `data.traceId` texts of an `app.log` (without quotes), -1 when absent. */
  messageStart = -1;
  messageEnd = -1;
  traceIdStart = -1;
  traceIdEnd = -1;
  /** The time is already normalised (`YYYY-MM-DDTHH:mm:ss.sssZ`): `normalizeTime` keeps it. */
  canonicalTime = false;
  /** `data.metric` text (telemetry), `data.service` text (app.log): `[nameStart, nameEnd)`. */
  nameStart = -1;
  nameEnd = -1;
  /** `data.value`'s number token (telemetry; `Number()` of it is the parsed value), else -1. */
  valueStart = -1;
  valueEnd = -1;
  /** The `dimensions` / `attributes` object `[mapStart, mapEnd)` (braces included), -1 if absent. */
  mapStart = -1;
  mapEnd = -1;
  /** Pairs of the map, in the order of the text. */
  pairs = 0;
  /** Pair `i` is `[pairStart[i], pairEnd[i])`: `"key":value`; its key's closing quote is at `keyEnd[i]`. */
  readonly pairStart = new Int32Array(SCAN_MAX_PAIRS);
  readonly pairEnd = new Int32Array(SCAN_MAX_PAIRS);
  readonly keyEnd = new Int32Array(SCAN_MAX_PAIRS);
  /** Pair indices in key order (the order `normalizeEvent` sorts the map in). */
  readonly order = new Int32Array(SCAN_MAX_PAIRS);
  /** The text's pairs are already in key order. */
  sorted = true;

  // Scratch of one scan.
  /** @internal */ readonly slotKind = new Int32Array(D_SLOTS);
  /** @internal */ readonly slotStart = new Int32Array(D_SLOTS);
  /** @internal */ readonly slotEnd = new Int32Array(D_SLOTS);
  /** @internal */ readonly unknownStart = new Int32Array(MAX_UNKNOWN);
  /** @internal */ readonly unknownEnd = new Int32Array(MAX_UNKNOWN);
  /** @internal */ unknowns = 0;
  /** @internal */ unknownBase = 0;
  /** @internal */ mapSlot = -1;
  /** @internal */ mapStrings = true;
  /** @internal */ mapNull = false;
  /** @internal */ mapEdgeSpace = false;
}

/**
 * Validates the compact JSON CloudEvent in `b[start..end)` without parsing it into objects (see the
 * rules at the top of this file). Returns true when the record is a valid input event
 * (`telemetry.reading` / `app.log`) whose bytes are exactly `JSON.stringify` of what `JSON.parse`
 * would give, and `normalizeEvent` would change only its `time` and its map's order; `out` then
 * holds the type, the level, and where the id, source, subject, time, data, metric / service,
 * value, message, trace id and the map's pairs are. Returns false (declined: `out` is unspecified) for everything else, valid or not:
 * the caller then parses and validates the general way, which also explains rejections.
 *
 * @example
 * const scan = new InputEventScan();
 * if (scanInputEvent(bytes, 0, bytes.length, scan)) useFastPath(scan);
 * else generalPath(parseInputEventJson(bytes));
 */
export function scanInputEvent(
  b: Uint8Array,
  start: number,
  end: number,
  out: InputEventScan,
): boolean {
  if (end - start < 2 || b[start] !== LBRACE || b[end - 1] !== RBRACE) return false;
  out.slotKind.fill(0);
  out.unknowns = 0;
  out.unknownBase = 0;
  out.mapSlot = -1;
  out.mapStart = -1;
  out.subjectStart = -1;
  out.subjectEnd = -1;
  out.pairs = 0;
  out.sorted = true;
  let seen = 0;
  let type = 0;
  let i = start + 1;
  for (;;) {
    if (b[i] !== QUOTE) return false;
    const ks = i + 1;
    const ke = stringClose(b, i, end);
    if (ke < 0 || b[ke + 1] !== COLON) return false;
    const len = ke - ks;
    if (oddKey(b, ks, len)) return false;
    const v = ke + 2;
    const field = envelopeField(b, ks, len);
    let vEnd: number;
    if (field === 0) {
      if (b[ks] === LOWER_S && len >= 10 && matches(b, ks, W.streamlens)) return false;
      if (!newUnknown(b, ks, ke, out)) return false;
      vEnd = primitiveEnd(b, v, end);
    } else {
      if ((seen & field) !== 0) return false;
      seen |= field;
      if (field === F_DATA) {
        if (b[v] !== LBRACE) return false;
        // The data's unknown fields are compared among themselves, then forgotten.
        const envelopeUnknowns = out.unknowns;
        out.unknownBase = envelopeUnknowns;
        vEnd = scanData(b, v, end, out);
        out.dataStart = v;
        out.dataEnd = vEnd;
        out.unknowns = envelopeUnknowns;
        out.unknownBase = 0;
      } else {
        vEnd = primitiveEnd(b, v, end);
        if (vEnd < 0 || kind !== STRING) return false;
        switch (field) {
          case F_SPECVERSION:
            if (vEnd - v !== 5 || !matches(b, v + 1, W.v1)) return false;
            break;
          case F_TYPE:
            if (vEnd - v === 19 && matches(b, v + 1, W.telemetry)) type = 1;
            else if (vEnd - v === 9 && matches(b, v + 1, W.appLog)) type = 2;
            else return false;
            break;
          case F_TIME:
            out.timeStart = v + 1;
            out.timeEnd = vEnd - 1;
            break;
          case F_DATACONTENTTYPE:
          case F_DATASCHEMA:
            if (vEnd - v === 2) return false;
            break;
          default: // id, source, subject: non-empty, nothing to trim
            if (vEnd - v === 2 || edgeSpace(b, v, vEnd)) return false;
            if (field === F_ID) {
              out.idStart = v + 1;
              out.idEnd = vEnd - 1;
            } else if (field === F_SOURCE) {
              out.sourceStart = v + 1;
              out.sourceEnd = vEnd - 1;
            } else {
              out.subjectStart = v + 1;
              out.subjectEnd = vEnd - 1;
            }
        }
      }
    }
    if (vEnd < 0) return false;
    const c = b[vEnd];
    if (c === COMMA) i = vEnd + 1;
    else if (c === RBRACE && vEnd === end - 1) break;
    else return false;
  }
  if ((seen & REQUIRED) !== REQUIRED) return false;
  if (!rfc3339Bytes(b, out.timeStart, out.timeEnd)) return false;
  out.canonicalTime =
    out.timeEnd - out.timeStart === 24 &&
    b[out.timeStart + 19] === DOT &&
    b[out.timeEnd - 1] === UPPER_Z;
  return type === 1 ? telemetryData(b, out) : appLogData(b, out);
}

/** Records an unknown key `b[ks..ke)`; false when it repeats one or there are too many. */
function newUnknown(b: Uint8Array, ks: number, ke: number, out: InputEventScan): boolean {
  const count = out.unknowns;
  if (count === MAX_UNKNOWN) return false;
  const starts = out.unknownStart;
  const ends = out.unknownEnd;
  for (let j = out.unknownBase; j < count; j++) {
    if (compareKeys(b, starts[j]!, ends[j]!, ks, ke) === 0) return false;
  }
  starts[count] = ks;
  ends[count] = ke;
  out.unknowns = count + 1;
  return true;
}

/** Scans `data` (an object at `start`) into the slots; returns its end or -1. */
function scanData(b: Uint8Array, start: number, n: number, out: InputEventScan): number {
  let i = start + 1;
  if (b[i] === RBRACE) return i + 1;
  const kinds = out.slotKind;
  for (;;) {
    if (b[i] !== QUOTE) return -1;
    const ks = i + 1;
    const ke = stringClose(b, i, n);
    if (ke < 0 || b[ke + 1] !== COLON) return -1;
    const len = ke - ks;
    if (oddKey(b, ks, len)) return -1;
    const v = ke + 2;
    const slot = dataSlot(b, ks, len);
    let vEnd: number;
    if (slot < 0) {
      if (!newUnknown(b, ks, ke, out)) return -1;
      vEnd = primitiveEnd(b, v, n);
    } else {
      if (kinds[slot] !== 0) return -1;
      if (b[v] === LBRACE) {
        // Only one map, and only under the two names that can hold one.
        if ((slot !== D_DIMENSIONS && slot !== D_ATTRIBUTES) || out.mapSlot >= 0) return -1;
        out.mapSlot = slot;
        kinds[slot] = OBJECT;
        vEnd = scanMap(b, v, n, out);
      } else {
        vEnd = primitiveEnd(b, v, n);
        kinds[slot] = kind;
      }
      out.slotStart[slot] = v;
      out.slotEnd[slot] = vEnd;
    }
    if (vEnd < 0) return -1;
    const c = b[vEnd];
    if (c === COMMA) i = vEnd + 1;
    else if (c === RBRACE) return vEnd + 1;
    else return -1;
  }
}

/** Scans a map (an object of primitives at `start`) into the pairs, sorted; returns its end or -1. */
function scanMap(b: Uint8Array, start: number, n: number, out: InputEventScan): number {
  out.mapStart = start;
  out.mapStrings = true;
  out.mapNull = false;
  out.mapEdgeSpace = false;
  out.sorted = true;
  let i = start + 1;
  let pairs = 0;
  if (b[i] === RBRACE) {
    out.pairs = 0;
    out.mapEnd = i + 1;
    return i + 1;
  }
  const pairStart = out.pairStart;
  const keyEnd = out.keyEnd;
  const order = out.order;
  for (;;) {
    if (b[i] !== QUOTE || pairs === SCAN_MAX_PAIRS) return -1;
    const ks = i + 1;
    const ke = stringClose(b, i, n);
    if (ke < 0 || b[ke + 1] !== COLON) return -1;
    const len = ke - ks;
    if (oddKey(b, ks, len) || b[ks] === SPACE || b[ke - 1] === SPACE) return -1;
    const v = ke + 2;
    const vEnd = primitiveEnd(b, v, n);
    if (vEnd < 0) return -1;
    if (kind === STRING) {
      if (edgeSpace(b, v, vEnd)) out.mapEdgeSpace = true;
    } else {
      out.mapStrings = false;
      if (kind === NULL) out.mapNull = true;
    }
    pairStart[pairs] = i;
    out.pairEnd[pairs] = vEnd;
    keyEnd[pairs] = ke;
    // Insertion into key order; an equal key is a duplicate (JSON.parse would keep one).
    let j = pairs - 1;
    while (j >= 0) {
      const p = order[j]!;
      const d = compareKeys(b, pairStart[p]! + 1, keyEnd[p]!, ks, ke);
      if (d === 0) return -1;
      if (d < 0) break;
      order[j + 1] = p;
      j--;
    }
    if (j !== pairs - 1) out.sorted = false;
    order[j + 1] = pairs;
    pairs++;
    const c = b[vEnd];
    if (c === COMMA) i = vEnd + 1;
    else if (c === RBRACE) {
      out.pairs = pairs;
      out.mapEnd = vEnd + 1;
      return vEnd + 1;
    } else return -1;
  }
}

/** A required non-empty string slot with nothing to trim. */
function nonEmptyTrimmed(b: Uint8Array, out: InputEventScan, slot: number): boolean {
  const s = out.slotStart[slot]!;
  const e = out.slotEnd[slot]!;
  return out.slotKind[slot] === STRING && e - s > 2 && !edgeSpace(b, s, e);
}

/** An optional one: absent, or as `nonEmptyTrimmed`. */
function optNonEmptyTrimmed(b: Uint8Array, out: InputEventScan, slot: number): boolean {
  return out.slotKind[slot] === 0 || nonEmptyTrimmed(b, out, slot);
}

function telemetryData(b: Uint8Array, out: InputEventScan): boolean {
  const kinds = out.slotKind;
  // A map under `attributes` is an unknown field holding an object: declined (rule 1).
  if (kinds[D_ATTRIBUTES] === OBJECT) return false;
  if (!nonEmptyTrimmed(b, out, D_METRIC) || kinds[D_VALUE] !== NUMBER) return false;
  if (!optNonEmptyTrimmed(b, out, D_UNIT)) return false;
  const dims = kinds[D_DIMENSIONS];
  if (dims !== 0 && (dims !== OBJECT || !out.mapStrings || out.mapEdgeSpace)) return false;
  out.type = 'telemetry.reading';
  out.level = undefined;
  out.nameStart = out.slotStart[D_METRIC]! + 1;
  out.nameEnd = out.slotEnd[D_METRIC]! - 1;
  out.valueStart = out.slotStart[D_VALUE]!;
  out.valueEnd = out.slotEnd[D_VALUE]!;
  out.messageStart = -1;
  out.messageEnd = -1;
  out.traceIdStart = -1;
  out.traceIdEnd = -1;
  return true;
}

function appLogData(b: Uint8Array, out: InputEventScan): boolean {
  const kinds = out.slotKind;
  if (kinds[D_DIMENSIONS] === OBJECT) return false;
  if (kinds[D_LEVEL] !== STRING) return false;
  const ls = out.slotStart[D_LEVEL]! + 1;
  const len = out.slotEnd[D_LEVEL]! - 1 - ls;
  let level: LogLevel | undefined;
  for (let k = 0; k < LEVEL_BYTES.length; k++) {
    const w = LEVEL_BYTES[k]!;
    if (w.length === len && matches(b, ls, w)) {
      level = LOG_LEVELS[k];
      break;
    }
  }
  if (level === undefined) return false;
  if (kinds[D_MESSAGE] !== STRING) return false;
  if (edgeSpace(b, out.slotStart[D_MESSAGE]!, out.slotEnd[D_MESSAGE]!)) return false;
  if (!nonEmptyTrimmed(b, out, D_SERVICE) || !optNonEmptyTrimmed(b, out, D_TRACE_ID)) return false;
  const attrs = kinds[D_ATTRIBUTES];
  if (attrs !== 0 && (attrs !== OBJECT || out.mapNull)) return false;
  out.type = 'app.log';
  out.level = level;
  out.nameStart = out.slotStart[D_SERVICE]! + 1;
  out.nameEnd = out.slotEnd[D_SERVICE]! - 1;
  out.valueStart = -1;
  out.valueEnd = -1;
  out.messageStart = out.slotStart[D_MESSAGE]! + 1;
  out.messageEnd = out.slotEnd[D_MESSAGE]! - 1;
  const traced = kinds[D_TRACE_ID] !== 0;
  out.traceIdStart = traced ? out.slotStart[D_TRACE_ID]! + 1 : -1;
  out.traceIdEnd = traced ? out.slotEnd[D_TRACE_ID]! - 1 : -1;
  return true;
}

/**
 * `isRfc3339DateTime` (datetime.ts) on the bytes `b[s..e)`, and false for the years 0000 and 9999
 * with an offset, which `isEventTime` may reject (the general path then decides).
 */
export function rfc3339Bytes(b: Uint8Array, s: number, e: number): boolean {
  const n = e - s;
  if (n < 20) return false;
  if (
    b[s + 4] !== MINUS ||
    b[s + 7] !== MINUS ||
    b[s + 10] !== UPPER_T ||
    b[s + 13] !== COLON ||
    b[s + 16] !== COLON
  ) {
    return false;
  }
  const year = digitsAt(b, s, 4);
  const month = digitsAt(b, s + 5, 2);
  const day = digitsAt(b, s + 8, 2);
  const hour = digitsAt(b, s + 11, 2);
  const minute = digitsAt(b, s + 14, 2);
  const second = digitsAt(b, s + 17, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month))
    return false;
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return false;
  let i = s + 19;
  if (b[i] === DOT) {
    const first = ++i;
    while (i < e && isDigit(b[i])) i++;
    if (i === first) return false;
  }
  const zone = b[i];
  if (zone === UPPER_Z) return i + 1 === e;
  if (zone !== PLUS && zone !== MINUS) return false;
  if (e - i !== 6 || b[i + 3] !== COLON || year === 0 || year === 9999) return false;
  const offsetHours = digitsAt(b, i + 1, 2);
  const offsetMinutes = digitsAt(b, i + 4, 2);
  return offsetHours >= 0 && offsetHours <= 23 && offsetMinutes >= 0 && offsetMinutes <= 59;
}

function digitsAt(b: Uint8Array, at: number, length: number): number {
  let value = 0;
  for (let i = at; i < at + length; i++) {
    const c = b[i]!;
    if (c < DIGIT_0 || c > DIGIT_9) return -1;
    value = value * 10 + (c - DIGIT_0);
  }
  return value;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}
