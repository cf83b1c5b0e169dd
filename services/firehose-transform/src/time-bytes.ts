import { normalizeTime } from '@streamlens/schema';

/*
 * `normalizeTime` from a time's bytes, for the scanned path, where most non-canonical times differ
 * from the canonical form only by an offset (`+01:00`) or the number of fraction digits.
 * An offset is whole minutes, so converting to UTC changes only `YYYY-MM-DDTHH:MM`: the seconds
 * are kept, and the fraction becomes three digits (`normalizeTime` truncates longer fractions and
 * pads shorter ones). So the UTC minute is computed once per (minute, offset) with
 * `normalizeTime` itself and kept in a small cache; the rest is copied from the record's bytes.
 * tests/unit/time-bytes.test.ts holds the result equal to `normalizeTime`.
 */

const CACHE_SIZE = 8;
/** `YYYY-MM-DDTHH:MM` plus the zone (`Z` or `±HH:MM`). */
const KEY_BYTES = 16 + 6;

const DOT = 0x2e;
const COLON = 0x3a;
const DIGIT_0 = 0x30;
const UPPER_Z = 0x5a;

interface Entry {
  key: Uint8Array;
  keyLength: number;
  /** The UTC `YYYY-MM-DDTHH:MM`, or undefined when the time cannot be normalised (year out of range). */
  utc: Uint8Array | undefined;
}

/** Writes normalised times from RFC 3339 bytes. One instance per transformer (it caches). */
export class TimeBytesNormalizer {
  readonly #entries: Entry[] = [];
  #next = 0;

  /**
   * Writes `normalizeTime` of the RFC 3339 time `b[s..e)` (valid: checked by the scanner) as its 24
   * bytes at `out[0..24)` and returns true; false (nothing useful written: call `normalizeTime`)
   * when `normalizeTime` would keep the input (a year that leaves 0000–9999).
   */
  normalize(b: Uint8Array, s: number, e: number, out: Uint8Array): boolean {
    let zone = s + 19;
    let fractionStart = -1;
    if (b[zone] === DOT) {
      fractionStart = ++zone;
      while (zone < e && b[zone]! >= DIGIT_0 && b[zone]! <= DIGIT_0 + 9) zone++;
    }
    const zoneLength = e - zone;
    const utc = this.#utcMinute(b, s, zone, zoneLength);
    if (utc === undefined) return false;
    out.set(utc, 0);
    out[16] = COLON;
    out[17] = b[s + 17]!;
    out[18] = b[s + 18]!;
    out[19] = DOT;
    for (let i = 0; i < 3; i++) {
      const at = fractionStart + i;
      out[20 + i] = fractionStart >= 0 && at < zone ? b[at]! : DIGIT_0;
    }
    out[23] = UPPER_Z;
    return true;
  }

  #utcMinute(b: Uint8Array, s: number, zone: number, zoneLength: number): Uint8Array | undefined {
    const entries = this.#entries;
    const keyLength = 16 + zoneLength;
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i]!;
      if (entry.keyLength === keyLength && sameKey(entry.key, b, s, zone, zoneLength)) {
        return entry.utc;
      }
    }
    const key = new Uint8Array(KEY_BYTES);
    key.set(b.subarray(s, s + 16), 0);
    key.set(b.subarray(zone, zone + zoneLength), 16);
    const text = Buffer.from(key.buffer, 0, keyLength).toString('latin1');
    const probe = `${text.slice(0, 16)}:00.000${text.slice(16)}`;
    const normalized = normalizeTime(probe);
    // An offset probe comes back unchanged (29 characters) when its year leaves 0000–9999.
    const utc =
      normalized.length === 24 && normalized.charCodeAt(23) === UPPER_Z
        ? Buffer.from(normalized.slice(0, 16), 'latin1')
        : undefined;
    const entry = { key, keyLength, utc };
    if (entries.length < CACHE_SIZE) entries.push(entry);
    else {
      entries[this.#next] = entry;
      this.#next = (this.#next + 1) % CACHE_SIZE;
    }
    return utc;
  }
}

function sameKey(
  key: Uint8Array,
  b: Uint8Array,
  s: number,
  zone: number,
  zoneLength: number,
): boolean {
  for (let i = 0; i < 16; i++) if (key[i] !== b[s + i]) return false;
  for (let i = 0; i < zoneLength; i++) if (key[16 + i] !== b[zone + i]) return false;
  return true;
}
