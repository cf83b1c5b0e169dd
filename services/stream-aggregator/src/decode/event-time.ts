import { latin1 } from './bytes.js';

function digits2(s: string, i: number): number {
  const a = s.charCodeAt(i) - 48;
  const b = s.charCodeAt(i + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

/**
 * `Date.parse` for event times, with a fast path for the canonical forms
 * `YYYY-MM-DDTHH:MM:SS.sssZ` and `YYYY-MM-DDTHH:MM:SSZ`: the date and hour part is parsed once per
 * hour seen (by `Date.parse` itself) and minutes, seconds and milliseconds are added. Any other
 * form (offsets, other fraction lengths, out-of-range fields) goes to `Date.parse`, so the result
 * always equals `Date.parse(text)` (a property test checks it).
 */
export class EventTimeParser {
  private hour = '';
  private hourMs = Number.NaN;

  parse(text: string): number {
    const n = text.length;
    if (
      (n === 24 || n === 20) &&
      text.charCodeAt(n - 1) === 90 && // Z
      text.charCodeAt(10) === 84 && // T
      text.charCodeAt(13) === 58 && // :
      text.charCodeAt(16) === 58 &&
      (n === 20 || text.charCodeAt(19) === 46) // .
    ) {
      const h = digits2(text, 11);
      const m = digits2(text, 14);
      const s = digits2(text, 17);
      let ms = 0;
      if (n === 24) {
        const c = text.charCodeAt(22) - 48;
        const ab = digits2(text, 20);
        ms = ab >= 0 && c >= 0 && c <= 9 ? ab * 10 + c : -1;
      }
      if (h >= 0 && h < 24 && m >= 0 && m < 60 && s >= 0 && s < 60 && ms >= 0) {
        if (!text.startsWith(this.hour) || this.hour.length !== 13) {
          this.hour = text.slice(0, 13);
          this.hourMs = Date.parse(`${this.hour}:00:00.000Z`);
        }
        if (!Number.isNaN(this.hourMs)) return this.hourMs + m * 60_000 + s * 1000 + ms;
      }
    }
    return Date.parse(text);
  }

  /**
   * {@link EventTimeParser.parse} of the ASCII text `b[s..e)`, reading the canonical forms from
   * the bytes (no string) with the same cache and the same arithmetic.
   */
  parseBytes(b: Uint8Array, s: number, e: number): number {
    const n = e - s;
    if (
      (n === 24 || n === 20) &&
      b[e - 1] === 90 && // Z
      b[s + 10] === 84 && // T
      b[s + 13] === 58 && // :
      b[s + 16] === 58 &&
      (n === 20 || b[s + 19] === 46) // .
    ) {
      const h = digits2b(b, s + 11);
      const m = digits2b(b, s + 14);
      const sec = digits2b(b, s + 17);
      let ms = 0;
      if (n === 24) {
        const c = b[s + 22]! - 48;
        const ab = digits2b(b, s + 20);
        ms = ab >= 0 && c >= 0 && c <= 9 ? ab * 10 + c : -1;
      }
      if (h >= 0 && h < 24 && m >= 0 && m < 60 && sec >= 0 && sec < 60 && ms >= 0) {
        const hour = this.hour;
        let same = hour.length === 13;
        for (let i = 0; same && i < 13; i++) same = hour.charCodeAt(i) === b[s + i];
        if (!same) {
          this.hour = latin1(b, s, s + 13);
          this.hourMs = Date.parse(`${this.hour}:00:00.000Z`);
        }
        if (!Number.isNaN(this.hourMs)) return this.hourMs + m * 60_000 + sec * 1000 + ms;
      }
    }
    return Date.parse(latin1(b, s, e));
  }
}

function digits2b(b: Uint8Array, i: number): number {
  const x = b[i]! - 48;
  const y = b[i + 1]! - 48;
  return x >= 0 && x <= 9 && y >= 0 && y <= 9 ? x * 10 + y : -1;
}
