/**
 * RFC 3339 `date-time` (section 5.6) as the event schemas accept it: `YYYY-MM-DDTHH:MM:SS`, an
 * optional fraction of any length, then `Z` or a numeric offset `±HH:MM`. Upper-case `T` and `Z`
 * only, no leap second (60), real calendar days (Gregorian leap years). Written against the RFC
 * and checked character by character, because it runs once per record on the hot paths; a
 * property test holds it equal to the zod schemas' `z.iso.datetime({ offset: true })`.
 */
export function isRfc3339DateTime(s: string): boolean {
  const n = s.length;
  // The shortest form is `YYYY-MM-DDTHH:MM:SSZ` (20 characters).
  if (n < 20) return false;
  if (
    s.charCodeAt(4) !== 45 /* - */ ||
    s.charCodeAt(7) !== 45 ||
    s.charCodeAt(10) !== 84 /* T */ ||
    s.charCodeAt(13) !== 58 /* : */ ||
    s.charCodeAt(16) !== 58
  ) {
    return false;
  }
  const year = digits(s, 0, 4);
  const month = digits(s, 5, 2);
  const day = digits(s, 8, 2);
  const hour = digits(s, 11, 2);
  const minute = digits(s, 14, 2);
  const second = digits(s, 17, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month))
    return false;
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return false;
  let i = 19;
  if (s.charCodeAt(i) === 46 /* . */) {
    const start = ++i;
    while (i < n && isDigit(s.charCodeAt(i))) i++;
    if (i === start) return false;
  }
  const zone = s.charCodeAt(i);
  if (zone === 90 /* Z */) return i + 1 === n;
  if (zone !== 43 /* + */ && zone !== 45 /* - */) return false;
  if (n - i !== 6 || s.charCodeAt(i + 3) !== 58) return false;
  const offsetHours = digits(s, i + 1, 2);
  const offsetMinutes = digits(s, i + 4, 2);
  return offsetHours >= 0 && offsetHours <= 23 && offsetMinutes >= 0 && offsetMinutes <= 59;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** The decimal value of `length` ASCII digits at `at`, or -1 when one is not a digit. */
function digits(s: string, at: number, length: number): number {
  let value = 0;
  for (let i = at; i < at + length; i++) {
    const c = s.charCodeAt(i);
    if (!isDigit(c)) return -1;
    value = value * 10 + (c - 48);
  }
  return value;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** 0000-01-01T00:00:00.000Z: the earliest instant an event time may denote. */
export const MIN_EVENT_TIME_MS = -62_167_219_200_000;
/** 9999-12-31T23:59:59.999Z: the latest. */
export const MAX_EVENT_TIME_MS = 253_402_300_799_999;

/**
 * The instant of an RFC 3339 date-time in epoch milliseconds, or NaN when `s` is not one (see
 * `isRfc3339DateTime`). The fraction is truncated to milliseconds, digit by digit (`.0008` is 0 ms,
 * `.9999` 999 ms): the same digits every path of the pipeline keeps, however many follow. The one
 * parser of event times in the repository; `Date.parse` is not used because V8 reads some long
 * fractions wrongly (`.0008000000` as 8 ms) and is lenient about formats.
 */
export function parseRfc3339(s: string): number {
  if (typeof s !== 'string' || !isRfc3339DateTime(s)) return Number.NaN;
  const year = digits(s, 0, 4);
  const month = digits(s, 5, 2);
  const day = digits(s, 8, 2);
  let ms =
    daysFromCivil(year, month, day) * 86_400_000 +
    digits(s, 11, 2) * 3_600_000 +
    digits(s, 14, 2) * 60_000 +
    digits(s, 17, 2) * 1000;
  let i = 19;
  if (s.charCodeAt(i) === 46 /* . */) {
    i++;
    let scale = 100;
    while (isDigit(s.charCodeAt(i))) {
      if (scale >= 1) ms += (s.charCodeAt(i) - 48) * scale;
      scale /= 10;
      i++;
    }
  }
  if (s.charCodeAt(i) !== 90 /* Z */) {
    const offset = (digits(s, i + 1, 2) * 60 + digits(s, i + 4, 2)) * 60_000;
    // `+01:00` is one hour ahead of UTC: the UTC instant is earlier.
    ms += s.charCodeAt(i) === 43 /* + */ ? -offset : offset;
  }
  return ms;
}

/**
 * Whether `s` is an event time: an RFC 3339 date-time whose instant, in UTC, lies in the years
 * 0000–9999 (`MIN_EVENT_TIME_MS`..`MAX_EVENT_TIME_MS`). An offset can push a valid local time out
 * of that range (`0000-01-01T00:30:00+01:00` is in year -1): such a time has no four-digit UTC
 * form, so no fixed-width sort key, index name or partition, and is rejected.
 */
export function isEventTime(s: string): boolean {
  const ms = parseRfc3339(s);
  return ms >= MIN_EVENT_TIME_MS && ms <= MAX_EVENT_TIME_MS;
}

/** Days from 1970-01-01 to a proleptic Gregorian date (any year; month 1–12). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = (month + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}
