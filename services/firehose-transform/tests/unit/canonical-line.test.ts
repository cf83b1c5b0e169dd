import { describe, expect, it } from '@jest/globals';
import {
  canonicalNumberEnd,
  normalizeEvent,
  type StreamlensEvent,
  validateEvent,
} from '@streamlens/schema';
import fc from 'fast-check';
import { CanonicalLineWriter } from '../../src/canonical-line.js';
import type { RawBuffer } from '../../src/line-buffer.js';
import { appLogEvent, telemetryEvent } from '../helpers/factories.js';

const SUFFIX = ',"streamlensingestedat":"2026-11-25T10:15:00.000Z","streamlenssource":"arn:x"';

/** What the general path writes: the normalised event's JSON, the suffix before `}`, `\n`. */
function expectedLine(text: string): string {
  const json = JSON.stringify(normalizeEvent(JSON.parse(text) as StreamlensEvent));
  return `${json.slice(0, -1)}${SUFFIX}}\n`;
}

/** Runs the writer on `text` the way the transform does (record first, line after it). */
function writeLine(text: string): { end: number; line: string; time: string } {
  const writer = new CanonicalLineWriter();
  const record = Buffer.from(text, 'utf8');
  const n = record.length;
  const buf = Buffer.alloc(2 * n + 10 + 3 * SUFFIX.length) as RawBuffer;
  record.copy(buf);
  const valid = validateEvent(JSON.parse(text));
  if (!valid.ok) throw new Error(`test event invalid: ${valid.error.message}`);
  const end = writer.write(valid.value, buf, n, n, SUFFIX);
  return { end, line: end < 0 ? '' : buf.toString('utf8', n, end), time: writer.time };
}

describe('CanonicalLineWriter', () => {
  it('writes compact producer JSON from its own bytes: time normalised, map sorted', () => {
    // Prepare: unsorted dimensions and an offset time, as the bench workload's producers send.
    const text = JSON.stringify(
      telemetryEvent(1, {
        time: '2026-11-25T12:14:59.5+02:00',
        data: {
          metric: 'cpu',
          value: 12.5,
          unit: '%',
          dimensions: { region: 'eu', host: 'web-1', az: 'a', 'k8s.pod': 'p-1' },
        },
      }),
    );
    // Act
    const { end, line, time } = writeLine(text);
    // Assess
    expect(end).toBeGreaterThan(0);
    expect(line).toBe(expectedLine(text));
    expect(line).toContain('"dimensions":{"az":"a","host":"web-1","k8s.pod":"p-1","region":"eu"}');
    expect(time).toBe('2026-11-25T10:14:59.500Z');
  });

  it('writes app.log events with unsorted attributes, and events already canonical', () => {
    // Prepare
    const log = JSON.stringify(
      appLogEvent(2, 'WARN', {
        dataschema: 'https://schemas.example/app.log/v1',
        data: {
          level: 'WARN',
          message: 'slow',
          service: 'checkout',
          attributes: { 'http.status': 503, durationMs: 1234.56, retry: true, region: 'eu' },
        },
      }),
    );
    const canonical = JSON.stringify(telemetryEvent(3));
    const sorted = JSON.stringify(
      telemetryEvent(3, { data: { metric: 'm', value: -0.25, dimensions: { a: '1', b: '2' } } }),
    );
    // Act / Assess
    for (const text of [log, canonical, sorted]) {
      const { end, line } = writeLine(text);
      expect(end).toBeGreaterThan(0);
      expect(line).toBe(expectedLine(text));
    }
  });

  it('declines every spelling it cannot prove is what JSON.stringify writes', () => {
    // Prepare
    const base = JSON.stringify(telemetryEvent(4));
    const spellings = [
      base.replace('","source"', '", "source"'), // whitespace
      `${base}\n`,
      base.replace('streamlens/producer', 'streamlens\\/producer'), // escape
      base.replace('evt-telemetry-4', 'evt-t\\u00e9l\\u00E9metry'),
      base.replace('evt-telemetry-4', 'évt'), // non-ASCII
      base.replace('"value":44', '"value":44.0'),
      base.replace('"value":44', '"value":4.4e1'),
      base.replace('"value":44', '"value":-0'),
      base.replace('"value":44', '"value":1234567890123456'), // 16 digits
      base.replace('"value":44', '"value":0.0000001'),
      base.replace('{"specversion"', '{"id":"dup","specversion"'), // duplicate key
      base.replace('"data":{', '"data":{"metric":"dup",'),
      base.replace('"dimensions":{', '"dimensions":{"zz":"1","zz":"2",'),
      base.replace('{"specversion"', '{"7":1,"specversion"'), // integer-like key
      base.replace('{"specversion"', '{"streamlensseq":"1","specversion"'), // forged enrichment
      base.replace('{"specversion"', '{"extra":{"a":1},"specversion"'), // nested unknown object
      base.replace('{"specversion"', '{"extra":[1],"specversion"'),
      base.replace('"data":{', '"data":{"extra":{"a":1},'),
      base.replace('evt-telemetry-4', ' evt-telemetry-4'), // normalisation would trim
      base.replace('"host":"web-1"', '"host":"web-1 "'),
    ];
    for (const text of spellings) {
      // Act
      const { end } = writeLine(text);
      // Assess
      expect({ text, end }).toEqual({ text, end: -1 });
    }
  });

  it('never writes anything but the general path’s line, for any near-canonical event', () => {
    const str = fc.oneof(
      fc.constantFrom('a', 'b', 'web-1', ' x', 'x ', 'z', 'A', 'é', '1', '_x'),
      fc.string({ maxLength: 6 }),
    );
    const num = fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }));
    const event = fc
      .record({
        log: fc.boolean(),
        time: fc.constantFrom(
          '2026-11-25T10:14:59.123Z',
          '2026-11-25T10:14:59Z',
          '2026-11-25T12:14:59+02:00',
        ),
        map: fc.option(fc.dictionary(str, fc.oneof(str, num, fc.boolean())), { nil: undefined }),
        id: str,
        value: num,
      })
      .map(({ log, time, map, id, value }) => {
        if (log) {
          const data: Record<string, unknown> = { level: 'INFO', message: id, service: 'svc' };
          if (map !== undefined) data.attributes = map;
          return appLogEvent(0, 'INFO', { time, id: `i${id}`, data });
        }
        const dims =
          map === undefined
            ? undefined
            : Object.fromEntries(Object.entries(map).map(([k, v]) => [k, String(v)]));
        const data: Record<string, unknown> = { metric: 'm', value };
        if (dims !== undefined) data.dimensions = dims;
        return telemetryEvent(0, { time, id: `i${id}`, data });
      });
    let written = 0;
    fc.assert(
      fc.property(event, (e) => {
        const text = JSON.stringify(e);
        if (!validateEvent(JSON.parse(text)).ok) return;
        // Act
        const { end, line } = writeLine(text);
        // Assess
        if (end >= 0) {
          written++;
          expect(line).toBe(expectedLine(text));
        }
      }),
      { numRuns: 1500 },
    );
    expect(written).toBeGreaterThan(150);
  });
});

describe('canonicalNumberEnd', () => {
  it('accepts a number only when String(Number(token)) is the token', () => {
    const token = fc.stringMatching(/^-?\d{1,18}(\.\d{1,18})?([eE][+-]?\d{1,3})?$/);
    let accepted = 0;
    fc.assert(
      fc.property(token, (tok) => {
        // Prepare
        const bytes = Buffer.from(`${tok},`, 'latin1');
        // Act
        const end = canonicalNumberEnd(bytes, 0, bytes.length);
        // Assess
        let parsed: number | undefined;
        try {
          parsed = JSON.parse(tok) as number;
        } catch {
          return; // not JSON (a leading zero): JSON.parse would have rejected the record
        }
        if (end >= 0) {
          accepted++;
          expect(end).toBe(tok.length);
          expect(String(parsed)).toBe(tok);
        }
      }),
      { numRuns: 5000 },
    );
    expect(accepted).toBeGreaterThan(100);
  });

  it('accepts what JavaScript writes for ordinary values (up to 15 digits, 1e-6 and up)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -999_999_999_999, max: 999_999_999_999 }),
        fc.nat(3),
        (i, d) => {
          // Prepare: values with at most 15 digits, as the workload's readings are.
          const tok = String(i / 10 ** d);
          const bytes = Buffer.from(tok, 'latin1');
          // Act / Assess
          expect(canonicalNumberEnd(bytes, 0, bytes.length)).toBe(tok.length);
        },
      ),
    );
    for (const tok of ['0', '-1', '0.000001', '123456789012345', '-0.5']) {
      const bytes = Buffer.from(tok, 'latin1');
      expect(canonicalNumberEnd(bytes, 0, bytes.length)).toBe(tok.length);
    }
  });
});
