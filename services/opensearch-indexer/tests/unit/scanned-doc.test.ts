import { describe, expect, it } from '@jest/globals';
import { parseEventJson } from '@streamlens/schema';
import fc from 'fast-check';
import { toBulkItem } from '../../src/bulk.js';
import type { DeadLetter } from '../../src/dead-letter.js';
import { toIndexDoc } from '../../src/document.js';
import { indexBatch } from '../../src/indexer.js';
import { ScannedBulkWriter } from '../../src/scanned-doc.js';
import { kinesisEventOf } from '../helpers/kinesis.js';

/*
 * The scanned path must write exactly what the general path (parseEventJson + toIndexDoc +
 * toBulkItem) writes, for every record it accepts; what it declines goes the general way.
 */

// biome-ignore lint/suspicious/noExplicitAny: generated events are plain JSON objects
type Any = any;

const MAX = 1_048_576;

/** The general path's bulk item text, or undefined for an invalid record. */
function generalItem(
  bytes: Uint8Array,
  prefix: string,
): { ndjson: string; bytes: number } | undefined {
  const parsed = parseEventJson(bytes, { maxBytes: MAX });
  if (!parsed.ok) return undefined;
  const item = toBulkItem(toIndexDoc(parsed.value, prefix));
  return { ndjson: item.ndjson, bytes: item.bytes };
}

const char = fc.oneof(
  { weight: 120, arbitrary: fc.constantFrom(...'abcxyzAZ019-./:') },
  { weight: 1, arbitrary: fc.constantFrom(' ', '"', '\\', '\n', 'é', '\u2028', '_') },
);
const text = fc.string({ unit: char, minLength: 0, maxLength: 12 });
const key = fc.string({ unit: fc.constantFrom(...'abcxyz.-_1'), minLength: 1, maxLength: 6 });
const digits = (n: number) =>
  fc.integer({ min: 0, max: 10 ** n - 1 }).map((v) => String(v).padStart(n, '0'));
const time = fc.oneof(
  fc.constantFrom(
    '2026-01-31T23:59:59.999Z',
    '2026-01-31T23:59:59.9999999Z',
    '2026-01-31T23:59:59.999999999Z',
    '2026-01-31T23:59:59.9999999999Z',
    '2026-12-31T23:30:00.000-01:00',
    '2026-01-01T00:10:00+00:20',
    '0999-05-05T00:00:00.000Z',
    '0000-01-01T00:00:00Z',
    '9999-12-31T23:59:59.999Z',
    '2024-02-29T12:00:00Z',
  ),
  fc
    .record({
      y: fc.integer({ min: 0, max: 9999 }).map((v) => String(v).padStart(4, '0')),
      mo: fc.integer({ min: 1, max: 12 }).map((v) => String(v).padStart(2, '0')),
      d: fc.integer({ min: 1, max: 28 }).map((v) => String(v).padStart(2, '0')),
      h: fc.integer({ min: 0, max: 23 }).map((v) => String(v).padStart(2, '0')),
      mi: digits(1).map((v) => `${v}9`),
      s: fc.constantFrom('00', '59', '30'),
      frac: fc.oneof(
        fc.constant(''),
        fc.integer({ min: 1, max: 12 }).chain((n) => digits(n).map((v) => `.${v}`)),
      ),
      zone: fc.constantFrom('Z', 'Z', '+01:00', '-05:30', '+23:59', 'z'),
    })
    .map((t) => `${t.y}-${t.mo}-${t.d}T${t.h}:${t.mi}:${t.s}${t.frac}${t.zone}`),
);
const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined, freq: 3 });
const number = fc.oneof(
  { weight: 6, arbitrary: fc.integer() },
  { weight: 4, arbitrary: fc.integer({ min: -99999, max: 99999 }).map((v) => v / 100) },
  { weight: 1, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }) },
  { weight: 1, arbitrary: fc.constantFrom(0.1, 1e21, 1e-7, -0) },
);
const primitive = fc.oneof(text, number, fc.boolean(), fc.constant(null));

const telemetry = fc.record({
  specversion: fc.constantFrom('1.0', '1.0', '1.0', '0.3'),
  id: text,
  source: text,
  type: fc.constant('telemetry.reading'),
  time,
  subject: opt(text),
  extra: opt(primitive),
  data: fc.record({
    metric: text,
    value: fc.oneof({ weight: 10, arbitrary: number }, { weight: 1, arbitrary: fc.constant('1') }),
    unit: opt(text),
    dimensions: opt(
      fc.dictionary(
        key,
        fc.oneof({ weight: 10, arbitrary: text }, { weight: 1, arbitrary: number }),
        { maxKeys: 5 },
      ),
    ),
    note: opt(primitive),
  }),
});
const appLog = fc.record({
  specversion: fc.constant('1.0'),
  id: text,
  source: text,
  type: fc.constant('app.log'),
  time,
  subject: opt(text),
  data: fc.record({
    level: fc.constantFrom('DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL', 'TRACE'),
    message: text,
    service: text,
    traceId: opt(text),
    attributes: opt(fc.dictionary(key, primitive, { maxKeys: 5 })),
  }),
});

/** Drops the keys fast-check set to undefined (JSON.stringify would too, but not `in`). */
function clean(o: Any): Any {
  if (o === null || typeof o !== 'object') return o;
  const out: Any = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = clean(v);
  return out;
}

const record = fc
  .tuple(
    fc.oneof(telemetry, appLog),
    fc.constantFrom('compact', 'compact', 'compact', 'spaced', 'truncated', 'metrics'),
  )
  .map(([e, form]) => {
    const event = clean(e);
    if (form === 'spaced') return JSON.stringify(event, null, 1);
    if (form === 'truncated') return JSON.stringify(event).slice(0, -1);
    if (form === 'metrics') return JSON.stringify({ ...event, type: 'metrics.window' });
    return JSON.stringify(event);
  });

describe('ScannedBulkWriter', () => {
  it('writes byte-identical bulk items to the general path, or declines', () => {
    let accepted = 0;
    let valid = 0;
    fc.assert(
      fc.property(record, fc.constantFrom('events', 'bench', 'évents-"q'), (json, prefix) => {
        // Prepare
        const bytes = Buffer.from(json, 'utf8');
        const writer = new ScannedBulkWriter(prefix);
        const expected = generalItem(bytes, prefix);
        // Act
        const item = writer.item(bytes);
        // Assess
        if (expected !== undefined) valid++;
        if (item === undefined) return;
        accepted++;
        expect(expected).toBeDefined();
        expect(item.ndjson).toBe(expected!.ndjson);
        expect(item.bytes).toBe(expected!.bytes);
        const parsed = parseEventJson(bytes, { maxBytes: MAX });
        expect(item.doc.id).toBe(parsed.ok && parsed.value.id);
      }),
      { numRuns: 3000, seed: 7 },
    );
    // The property says something only if the scanned path is taken often.
    expect(accepted).toBeGreaterThan(valid / 3);
  });

  it('keeps its one-day index cache right across days, prefixes and offsets', () => {
    // Prepare
    const writer = new ScannedBulkWriter('events');
    const times = [
      '2026-01-31T23:59:59.999Z',
      '2026-02-01T00:30:00.000+01:00',
      '2026-01-31T10:00:00Z',
      '2026-02-01T00:00:00.000Z',
      '0999-05-05T00:00:00.000Z',
      '2026-02-01T00:00:00.000Z',
    ];
    for (const t of times) {
      const bytes = Buffer.from(
        JSON.stringify({
          specversion: '1.0',
          id: 'a',
          source: 's',
          type: 'telemetry.reading',
          time: t,
          data: { metric: 'm', value: 1 },
        }),
      );
      // Act
      const item = writer.item(bytes);
      // Assess
      expect(item?.ndjson).toBe(generalItem(bytes, 'events')!.ndjson);
    }
  });

  it('gives a rejected scanned document the same dead letter as the general path', async () => {
    // Prepare
    const payloads = [
      '{"specversion":"1.0","id":"r1","source":"s","type":"app.log","time":"2026-01-02T03:04:05.678+02:00","subject":"x","data":{"level":"WARN","message":"m","service":"svc","traceId":"t","attributes":{"b":1,"a":true}}}',
      '{"specversion":"1.0","id":"r2","source":"s","type":"telemetry.reading","time":"2026-01-02T03:04:05Z","data":{"metric":"cpu","value":0.5,"dimensions":{"z":"1","a":"2"}}}',
    ];
    const letters: DeadLetter[] = [];
    const writer = new ScannedBulkWriter('events');
    for (const p of payloads) expect(writer.item(Buffer.from(p))).toBeDefined();
    // Act
    await indexBatch(
      kinesisEventOf(payloads, 1),
      {
        send: async (ndjson) => ({
          errors: true,
          items: ndjson
            .split('\n')
            .filter((_, i) => i % 2 === 0 && _ !== '')
            .map(() => ({ index: { status: 400, error: { type: 'mapper_parsing_exception' } } })),
        }),
        deadLetter: async (l) => void letters.push(...l),
      },
      { indexPrefix: 'events', maxEventBytes: MAX, bulk: {} },
      Date.now() + 60_000,
    );
    // Assess
    expect(letters).toHaveLength(2);
    for (let i = 0; i < 2; i++) {
      const event = JSON.parse(payloads[i]!);
      const doc = toIndexDoc(event, 'events');
      expect(letters[i]!.event).toEqual(event);
      expect(letters[i]!.document).toEqual(doc.source);
      expect(JSON.stringify(letters[i]!.document)).toBe(JSON.stringify(doc.source));
      expect(letters[i]!.index).toBe(doc.index);
      expect(letters[i]!.id).toBe(doc.id);
    }
  });
});

describe('indexBatch bulk bodies', () => {
  it('are byte-identical to the general path for mixed compact, spaced and invalid records', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(record, { minLength: 1, maxLength: 40 }), async (payloads) => {
        // Prepare
        const bodies: string[] = [];
        const expected = payloads
          .map((p) => generalItem(Buffer.from(p), 'events')?.ndjson ?? '')
          .join('');
        // Act
        await indexBatch(
          kinesisEventOf(payloads, 2),
          {
            send: async (ndjson) => {
              bodies.push(ndjson);
              const n = ndjson.split('\n').length >> 1;
              return {
                errors: false,
                items: Array.from({ length: n }, () => ({ index: { status: 201 } })),
              };
            },
            deadLetter: async () => undefined,
          },
          { indexPrefix: 'events', maxEventBytes: MAX, bulk: { maxDocs: 1000 } },
          Date.now() + 60_000,
        );
        // Assess
        expect(bodies.join('')).toBe(expected);
      }),
      { numRuns: 200, seed: 11 },
    );
  });
});
