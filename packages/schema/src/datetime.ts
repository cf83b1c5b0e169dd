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
