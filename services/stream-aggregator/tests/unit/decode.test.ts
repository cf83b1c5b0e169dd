import { describe, expect, it } from '@jest/globals';
import {
  aggregate,
  type InputEvent,
  InputEventScan,
  isKplAggregated,
  scanInputEvent,
  seriesKeyOf,
} from '@streamlens/schema';
import { cloudWatchControlMessage, cloudWatchDataMessage } from '@streamlens/schema/testing';
import fc from 'fast-check';
import { looksKpl } from '../../src/decode/detect.js';
import { EventTimeParser } from '../../src/decode/event-time.js';
import { numberAt } from '../../src/decode/numbers.js';
import { RecordDecoder } from '../../src/decode/record-decoder.js';
import { ScannedSeriesCache } from '../../src/decode/scanned-series-cache.js';
import { SeriesCache } from '../../src/decode/series-cache.js';
import { idHashOf } from '../../src/domain/event-id.js';
import type { InputRecord } from '../../src/domain/types.js';
import {
  expandKinesisRecord,
  KinesisRecordSource,
  toInputRecords,
} from '../../src/sources/kinesis.js';
import { appLog, kinesisEvent, kinesisRecord, telemetry } from '../helpers/kinesis-events.js';

const S = 'shardId-000000000007';
const T = '2026-11-25T12:00:01.000Z';

/** A record's place on shard S under key 'pk'. */
const at = (seq: string, arrivalTimeMs: number, sub = 0) => ({
  shardId: S,
  seq,
  sub,
  partitionKey: 'pk',
  arrivalTimeMs,
});

// Strings that exercise the series key's escaping and the cache's comparisons: separators, the
// escape character, NUL, and short alphabets so that collisions of prefixes are frequent.
const part = fc.string({
  unit: fc.constantFrom('a', 'b', '|', '=', '\\', '\u0000', 'é'),
  maxLength: 4,
});
const nonEmpty = part.filter((s) => s.length > 0);
const dims = fc.option(fc.dictionary(nonEmpty, part, { maxKeys: 4 }), { nil: undefined });
const reading = fc.record({ metric: nonEmpty, value: fc.double({ noNaN: true }), dims });
const log = fc.record({ service: nonEmpty, level: fc.constantFrom('DEBUG', 'INFO', 'ERROR') });
const event = fc.oneof(
  reading.map((r) => telemetry('t', r.metric, r.value, T, r.dims) as unknown as InputEvent),
  log.map((l) => appLog('l', l.service, l.level, T) as unknown as InputEvent),
);

/** The same object with its own keys inserted in another order. */
function reorder<T extends Record<string, unknown>>(o: T, order: readonly number[]): T {
  const keys = Object.keys(o);
  const out: Record<string, unknown> = {};
  const idx = keys.map((_k, i) => i).sort((a, b) => (order[a] ?? 0) - (order[b] ?? 0) || a - b);
  for (const i of idx) out[keys[i]!] = o[keys[i]!];
  return out as T;
}

describe('SeriesCache', () => {
  it('gives every event the series key of seriesKeyOf, whatever else it has cached', () => {
    fc.assert(
      fc.property(
        fc.array(event, { minLength: 1, maxLength: 60 }),
        fc.constantFrom<readonly string[]>([], ['a'], ['b', '|', 'a']),
        fc.integer({ min: 1, max: 40 }),
        (events, configured, maxEntries) => {
          // Prepare
          const cache = new SeriesCache(configured, maxEntries);
          const opts = configured.length > 0 ? { dimensions: configured } : undefined;
          // Act, twice: the second pass is served from the cache where it still holds the entry.
          for (let pass = 0; pass < 2; pass++) {
            for (const e of events) {
              const meta = cache.metaOf(e);
              // Assess
              expect(meta.series).toBe(seriesKeyOf(e, opts));
              if (e.type === 'app.log') {
                expect(meta).toMatchObject({ kind: 'log', metric: 'log.count' });
                expect(meta.dimensions).toEqual({ level: e.data.level, service: e.data.service });
              } else {
                expect(meta).toMatchObject({ kind: 'telemetry', metric: e.data.metric });
              }
            }
          }
          expect(cache.size).toBeLessThanOrEqual(maxEntries);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('returns one shared entry per series, with dimensions sorted whatever the key order', () => {
    // Prepare
    const cache = new SeriesCache([]);
    const a = telemetry('1', 'cpu', 1, T, { region: 'eu', host: 'web-1', az: 'b' });
    const b = telemetry('2', 'cpu', 2, T, reorder(a.data.dimensions!, [2, 0, 1]));
    // Act
    const ma = cache.metaOf(a as unknown as InputEvent);
    const mb = cache.metaOf(b as unknown as InputEvent);
    const again = cache.metaOf(
      telemetry('3', 'cpu', 3, T, { ...a.data.dimensions }) as unknown as InputEvent,
    );
    // Assess
    expect(mb.series).toBe(ma.series);
    expect(again).toBe(ma);
    expect(Object.keys(ma.dimensions)).toEqual(['az', 'host', 'region']);
    expect(Object.keys(mb.dimensions)).toEqual(['az', 'host', 'region']);
  });

  it('tells apart parsed dimensions that differ only in a __proto__ or an index-like key', () => {
    // Prepare: JSON.parse makes "__proto__" an own key; index-like keys enumerate first.
    const json = (d: string) =>
      JSON.parse(
        `{"specversion":"1.0","id":"1","source":"s","type":"telemetry.reading","time":"${T}","data":{"metric":"cpu","value":1,"dimensions":${d}}}`,
      ) as InputEvent;
    const events = [
      json('{"host":"a","__proto__":"x"}'),
      json('{"host":"a","__proto__":"y"}'),
      json('{"host":"a"}'),
      json('{"b":"1","10":"v","2":"w"}'),
      json('{"b":"1","2":"w","10":"v"}'),
      json('{"b":"1","10":"w","2":"v"}'),
    ];
    const cache = new SeriesCache([]);
    // Act: twice, so the second pass is served from the cache.
    const first = events.map((e) => cache.metaOf(e).series);
    const second = events.map((e) => cache.metaOf(e).series);
    // Assess
    expect(first).toEqual(events.map((e) => seriesKeyOf(e)));
    expect(second).toEqual(first);
    expect(new Set(first).size).toBe(5);
  });

  it('keeps only the configured dimensions, in sorted order', () => {
    // Prepare
    const cache = new SeriesCache(['region', 'host']);
    const e = telemetry('1', 'cpu', 1, T, { region: 'eu', az: 'b', host: 'web-1' });
    // Act
    const meta = cache.metaOf(e as unknown as InputEvent);
    // Assess
    expect(meta.series).toBe('cpu|host=web-1|region=eu');
    expect(meta.dimensions).toEqual({ host: 'web-1', region: 'eu' });
    expect(Object.keys(meta.dimensions)).toEqual(['host', 'region']);
  });

  it('keeps at most 16 entries per bucket and maxEntries in all', () => {
    // Prepare: 40 series sharing metric and first dimension value (one bucket).
    const cache = new SeriesCache([], 1000);
    const events = Array.from(
      { length: 40 },
      (_v, i) =>
        telemetry(`${i}`, 'cpu', 1, T, { host: 'web-1', pod: `p${i}` }) as unknown as InputEvent,
    );
    // Act
    const metas = events.map((e) => cache.metaOf(e));
    const sizeAfter = cache.size;
    const newest = cache.metaOf(events[39]!);
    const oldest = cache.metaOf(events[0]!);
    const small = new SeriesCache([], 5);
    for (const e of events) small.metaOf(e);
    // Assess: the newest entry is still served; the oldest was evicted and is rebuilt, exactly.
    expect(sizeAfter).toBe(16);
    expect(newest).toBe(metas[39]);
    expect(oldest).not.toBe(metas[0]);
    expect(oldest.series).toBe('cpu|host=web-1|pod=p0');
    expect(cache.size).toBe(16);
    expect(small.size).toBeLessThanOrEqual(5);
  });
});

describe('EventTimeParser', () => {
  // Mostly in-range fields, with the edges (0, one past the maximum, 99) often enough to matter.
  const field = (lo: number, hi: number) =>
    fc
      .oneof(fc.integer({ min: lo, max: hi }), fc.constantFrom(0, hi + 1, 99))
      .map((n) => String(n).padStart(2, '0'));
  const canonical = fc
    .record({
      y: fc.integer({ min: 1970, max: 2100 }),
      mo: field(1, 12),
      d: field(1, 31),
      h: field(0, 23),
      mi: field(0, 59),
      s: field(0, 59),
      ms: fc.option(fc.integer({ min: 0, max: 999 }), { nil: undefined }),
    })
    .map(
      ({ y, mo, d, h, mi, s, ms }) =>
        `${y}-${mo}-${d}T${h}:${mi}:${s}${ms === undefined ? '' : `.${String(ms).padStart(3, '0')}`}Z`,
    );
  const valid = fc
    .date({ min: new Date(0), max: new Date(Date.UTC(2100, 0, 1)), noInvalidDate: true })
    .map((d) => d.toISOString());
  const other = fc.oneof(
    valid.map((t) => t.replace('Z', '+02:00')),
    valid.map((t) => t.replace(/\.\d{3}Z$/, '.5Z')),
    valid.map((t) => t.replace('T', 't')),
    valid.map((t) => `${t.slice(0, 19)}.1x3Z`),
    fc.string({ maxLength: 26 }),
  );

  it('reads the same time from ASCII bytes as from their text, in any order', () => {
    const ascii = fc
      .oneof(canonical, valid, other)
      .filter((t) => [...t].every((c) => c.charCodeAt(0) < 128));
    fc.assert(
      fc.property(fc.array(ascii, { maxLength: 40 }), fc.nat(3), (texts, pad) => {
        // Prepare: one parser per form; the bytes sit at an offset inside a larger array.
        const fromText = new EventTimeParser();
        const fromBytes = new EventTimeParser();
        for (const t of texts) {
          const b = Buffer.from(`${'"'.repeat(pad)}${t}"`, 'latin1');
          // Act
          const got = fromBytes.parseBytes(b, pad, pad + t.length);
          // Assess
          expect(got).toBe(fromText.parse(t));
        }
      }),
      { numRuns: 500 },
    );
  });

  it('equals Date.parse on canonical, out-of-range and other forms, in any order', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(canonical, valid, other), { maxLength: 40 }), (texts) => {
        // Prepare
        const parser = new EventTimeParser();
        // Act + Assess (the parser caches an hour across calls, so sequences matter)
        for (const t of texts) expect(parser.parse(t)).toBe(Date.parse(t));
      }),
      { numRuns: 500 },
    );
  });
});

describe('looksKpl', () => {
  it('agrees with decoding the first bytes, for KPL aggregates, near misses and noise', () => {
    const magic = Buffer.from([0xf3, 0x89, 0x9a, 0xc2]);
    const bytes = fc.uint8Array({ maxLength: 12 });
    const b64 = fc.oneof(
      bytes.map((b) => Buffer.concat([magic, b]).toString('base64')),
      bytes.map((b) => Buffer.concat([magic.subarray(0, 3), b]).toString('base64')),
      bytes.map((b) => Buffer.from(b).toString('base64')),
      fc.string({ maxLength: 12 }).map((s) => `84maw${s}`),
      fc.string({ maxLength: 12 }),
    );
    fc.assert(
      fc.property(b64, (text) => {
        // Act + Assess
        const exact = text.length >= 8 && isKplAggregated(Buffer.from(text.slice(0, 8), 'base64'));
        expect(looksKpl(text)).toBe(exact);
      }),
      { numRuns: 2000 },
    );
    // Node's base64 decoder skips characters outside the alphabet: such prefixes are decoded.
    for (const text of [' 84mawgAAAA', '84m\nawgAAAA', '8-4mawgAAAA', '84mawgAA', '84mawwAAAA']) {
      const exact = isKplAggregated(Buffer.from(text.slice(0, 8), 'base64'));
      expect(looksKpl(text)).toBe(exact);
    }
    expect(looksKpl(' 84mawgAAAA')).toBe(true);
  });
});

describe('KinesisRecordSource', () => {
  it('decodes plain, invalid and KPL records like toInputRecords, reusing one shard id string', () => {
    // Prepare
    const kpl = aggregate([
      { partitionKey: 'a', data: Buffer.from(JSON.stringify(telemetry('k1', 'cpu', 1, T))) },
      { partitionKey: 'b', data: Buffer.from(JSON.stringify(appLog('k2', 'api', 'ERROR', T))) },
    ]);
    const event = kinesisEvent([
      kinesisRecord(S, '100', telemetry('1', 'cpu', 5, T, { host: 'h' })),
      kinesisRecord(S, '101', '{not json'),
      kinesisRecord(S, '102', Buffer.from(kpl)),
      kinesisRecord(S, '103', appLog('2', 'api', 'WARN', '2026-11-25T12:00:02+01:00')),
    ]);
    const decoder = new RecordDecoder({ seriesDimensions: [] });
    // Act
    const source = new KinesisRecordSource(event, decoder);
    const lazy = Array.from({ length: source.length }, (_v, i) => source.at(i));
    const eager = toInputRecords(event, { seriesDimensions: [] });
    // Assess
    expect(lazy).toEqual(eager);
    expect(lazy.map((r) => [r.seq, r.sub, r.obs?.series ?? r.error?.code])).toEqual([
      ['100', 0, 'cpu|host=h'],
      ['101', 0, 'INVALID_JSON'],
      ['102', 0, 'cpu'],
      ['102', 1, 'log.count|level=ERROR|service=api'],
      ['103', 0, 'log.count|level=WARN|service=api'],
    ]);
    expect(lazy[4]!.obs!.timeMs).toBe(Date.parse('2026-11-25T11:00:02.000Z'));
    expect(new Set(lazy.map((r) => r.shardId))).toEqual(new Set([S]));
    expect(source.shardIdAt(0)).toBe(source.shardIdAt(4));
  });
});

describe('KinesisRecordSource keys and event ids', () => {
  it('orders KPL user records by their aggregate’s key, keeps their own key, and hashes every id', () => {
    // Prepare: an aggregate under key 'outer' holding user records of keys a and b.
    const kpl = aggregate([
      { partitionKey: 'a', data: Buffer.from(JSON.stringify(telemetry('k1', 'cpu', 1, T))) },
      { partitionKey: 'b', data: Buffer.from(JSON.stringify(telemetry('k2', 'cpu', 2, T))) },
    ]);
    const event = kinesisEvent([
      kinesisRecord(S, '100', telemetry('k0', 'cpu', 5, T), 'plain'),
      kinesisRecord(S, '101', Buffer.from(kpl), 'outer'),
    ]);
    // Act
    const source = new KinesisRecordSource(event, new RecordDecoder({ seriesDimensions: [] }));
    const records = Array.from({ length: source.length }, (_v, i) => source.at(i));
    // Assess
    expect(records.map((r) => [r.partitionKey, r.orderKey])).toEqual([
      ['plain', 'plain'],
      ['a', 'outer'],
      ['b', 'outer'],
    ]);
    expect([0, 1, 2].map((i) => source.orderKeyAt(i))).toEqual(['plain', 'outer', 'outer']);
    expect(records.map((r) => r.obs?.idHash)).toEqual(['k0', 'k1', 'k2'].map(idHashOf));
  });

  it('hashes an id the same from the bytes and from the parsed event', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 40 }), (id) => {
        // Prepare: the same event written compactly (scanned from its bytes when the id needs
        // no escape) and with a space (always parsed).
        const e = telemetry(id, 'cpu', 1, T);
        const compact = Buffer.from(JSON.stringify(e));
        const spaced = Buffer.from(JSON.stringify(e, null, 1));
        const decoder = new RecordDecoder({ seriesDimensions: [] });
        // Act
        const a = decoder.recordBase64(at('1', 0), compact.toString('base64'));
        const b = decoder.recordBase64(at('2', 0), compact.toString('base64'));
        const c = decoder.recordBase64(at('3', 0), spaced.toString('base64'));
        // Assess
        expect(a.obs?.idHash).toBe(idHashOf(id));
        expect(b.obs?.idHash).toBe(idHashOf(id));
        expect(c.obs?.idHash).toBe(idHashOf(id));
      }),
    );
  });
});

describe('KinesisRecordSource on CloudWatch Logs subscription records', () => {
  it('counts each log line of a data message under its log series, drops a control message, damaged gzip alone fails', () => {
    // Prepare: a control message as AWS sends it, a data message of two lines, a valid reading,
    // and a record with the gzip magic whose payload is cut short.
    const data = cloudWatchDataMessage([
      '{"level":"error","msg":"card declined"}',
      'WARN retrying payment',
    ]);
    const event = kinesisEvent([
      kinesisRecord(S, '200', Buffer.from(cloudWatchControlMessage())),
      kinesisRecord(S, '201', Buffer.from(data)),
      kinesisRecord(S, '202', telemetry('t1', 'cpu', 5, T)),
      kinesisRecord(S, '203', Buffer.from(data).subarray(0, 20)),
    ]);
    // Act
    const source = new KinesisRecordSource(event, new RecordDecoder({ seriesDimensions: [] }));
    const records = Array.from({ length: source.length }, (_v, i) => source.at(i));
    // Assess
    expect(records.map((r) => [r.seq, r.sub, r.obs?.series ?? r.error?.code])).toEqual([
      ['201', 0, 'log.count|level=ERROR|service=checkout'],
      ['201', 1, 'log.count|level=WARN|service=checkout'],
      ['202', 0, 'cpu'],
      ['203', 0, expect.any(String)],
    ]);
    expect(records[3]?.obs).toBeUndefined();
  });
});

describe('RecordDecoder.recordBase64', () => {
  /** Base64 texts as Kinesis could deliver them: events, broken JSON, raw bytes, noisy base64. */
  const payload = fc.oneof(
    event.map((e) => Buffer.from(JSON.stringify(e))),
    fc.string({ maxLength: 300 }).map((s) => Buffer.from(s)),
    fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
  );
  const b64 = fc.oneof(
    payload.map((b) => b.toString('base64')),
    // Node's decoder skips characters outside the alphabet and stops at padding: keep those.
    fc
      .tuple(
        payload,
        fc.array(fc.tuple(fc.nat(), fc.constantFrom(' ', '\n', '=', '-', '_', '!', '==', 'é')), {
          maxLength: 4,
        }),
      )
      .map(([b, noise]) => {
        let s = b.toString('base64');
        for (const [at, c] of noise) {
          const i = s.length === 0 ? 0 : at % s.length;
          s = s.slice(0, i) + c + s.slice(i);
        }
        return s;
      }),
  );

  it('answers exactly as record() on Buffer.from(base64), below, at and over the size limit', () => {
    fc.assert(
      fc.property(
        fc.array(b64, { minLength: 1, maxLength: 8 }),
        fc.option(fc.integer({ min: 1, max: 2_000 }), { nil: undefined }),
        (texts, maxRecordBytes) => {
          // Prepare: one decoder per path, reused over the records (the scratch buffer is shared).
          const opts = { seriesDimensions: [], maxRecordBytes };
          const fast = new RecordDecoder(opts);
          const reference = new RecordDecoder(opts);
          for (const [i, text] of texts.entries()) {
            // Act
            const got = fast.recordBase64(at(String(i), 1000), text);
            const want = reference.record(
              at(String(i), 1000, 0),
              Buffer.from(text, 'base64'),
              text,
            );
            // Assess
            expect(got).toEqual(want);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('grows the scratch buffer for a large record and then reads only the bytes of the next one', () => {
    // Prepare: a record far larger than the initial scratch buffer, then a short one.
    const big = telemetry('big', 'cpu', 1, T, { pad: 'x'.repeat(40_000) });
    const small = telemetry('s', 'm', 2, T);
    const decoder = new RecordDecoder({ seriesDimensions: [] });
    // Act
    const first = decoder.recordBase64(
      at('1', 0),
      Buffer.from(JSON.stringify(big)).toString('base64'),
    );
    const second = decoder.recordBase64(
      at('2', 0),
      Buffer.from(JSON.stringify(small)).toString('base64'),
    );
    // Assess
    expect(first.obs?.series).toBe(`cpu|pad=${'x'.repeat(40_000)}`);
    expect(second.error).toBeUndefined();
    expect(second.obs).toMatchObject({ series: 'm', value: 2 });
  });
});

describe('numberAt', () => {
  it('equals JSON.parse for number tokens without an exponent, short and long', () => {
    const token = fc.oneof(
      fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
      fc.integer().map(String),
      fc
        .tuple(
          fc.boolean(),
          fc.stringMatching(/^(0|[1-9]\d{0,18})$/),
          fc.stringMatching(/^\d{0,20}$/),
        )
        .map(([neg, int, frac]) => `${neg ? '-' : ''}${int}${frac.length > 0 ? `.${frac}` : ''}`),
    );
    fc.assert(
      fc.property(
        token.filter((t) => !/e/i.test(t) && t !== '-0'),
        (t) => {
          // Prepare: the token inside a larger array, as in a record.
          const b = Buffer.from(`{"value":${t}}`, 'latin1');
          // Act
          const got = numberAt(b, 9, 9 + t.length);
          // Assess
          expect(Object.is(got, JSON.parse(t))).toBe(true);
        },
      ),
      { numRuns: 3000 },
    );
  });
});

describe('RecordDecoder on records the scanner accepts', () => {
  const word = fc.string({
    unit: fc.constantFrom('a', 'b', 'Z', '-', '|', '=', '.', ' '),
    maxLength: 5,
  });
  // Often the same few names, so that series that differ only by type or level meet in the cache.
  const name = fc.oneof(
    fc.constantFrom('api', 'db'),
    word.filter((w) => w.length > 0),
  );
  const time = fc.oneof(
    fc
      .date({ min: new Date(0), max: new Date(Date.UTC(2100, 0, 1)), noInvalidDate: true })
      .map((d) => d.toISOString()),
    fc.constantFrom(
      '2026-11-25T12:00:01Z',
      '2026-11-25T12:00:01.5Z',
      '2026-11-25T13:00:01+01:00',
      '2026-11-25t12:00:01.000z',
      '2026-02-30T12:00:00.000Z',
      '2026-11-25T23:59:60Z',
    ),
  );
  const value = fc.oneof(
    fc.integer({ min: -1_000_000, max: 1_000_000 }),
    fc.double({ min: -1e6, max: 1e6, noNaN: true }),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.integer({ min: 0, max: 99_999 }).map((n) => n / 100),
  );
  const reading = fc.record({
    metric: name,
    value,
    time,
    dims: fc.option(fc.dictionary(name, word, { maxKeys: 4 }), { nil: undefined }),
    unit: fc.option(name, { nil: undefined }),
  });
  const log = fc.record({
    service: name,
    level: fc.constantFrom('DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL', 'TRACE'),
    time,
  });
  const event = fc.oneof(
    reading.map((r) => {
      const e = telemetry('t', r.metric, r.value, r.time, r.dims) as {
        data: Record<string, unknown>;
      };
      if (r.unit !== undefined) e.data.unit = r.unit;
      return e;
    }),
    log.map((l) => appLog('l', l.service, l.level, l.time)),
  );
  /** Compact JSON as producers write it, sometimes with a byte changed (mostly declined then). */
  const text = fc.oneof(
    event.map((e) => JSON.stringify(e)),
    fc
      .tuple(event, fc.nat(), fc.constantFrom(' ', '"', '0', '}', 'e', '-', '\\'))
      .map(([e, at, c]) => {
        const j = JSON.stringify(e);
        const i = at % j.length;
        return j.slice(0, i) + c + j.slice(i + 1);
      }),
  );

  it('keeps the scanned-series cache exact when it fills up (entries or arena) and starts over', () => {
    fc.assert(
      fc.property(
        fc.array(event, { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 8, max: 300 }),
        (events, maxEntries, arenaBytes) => {
          // Prepare: what each record's key is (metric or service + level + dimensions text).
          const cache = new ScannedSeriesCache(maxEntries, arenaBytes);
          const scan = new InputEventScan();
          const expected = new Map<string, { series: string }>();
          for (const e of events) {
            const b = Buffer.from(JSON.stringify(e));
            if (!scanInputEvent(b, 0, b.length, scan)) continue;
            const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
            const key = `${scan.level}|${b.toString('latin1', scan.nameStart, scan.nameEnd)}|${
              scan.mapStart < 0 ? '' : b.toString('latin1', scan.mapStart, scan.mapEnd)
            }`;
            // Act
            const hit = cache.get(view, scan);
            const meta = { series: key, kind: 'telemetry' as const, metric: 'm', dimensions: {} };
            if (hit === undefined) cache.set(view, scan, meta);
            // Assess: a hit is the entry of the same key; after a set the entry is there unless
            // the key alone is larger than the arena.
            if (hit !== undefined) expect(hit.series).toBe(key);
            else expected.set(key, meta);
            const b2 = Buffer.from(b);
            const again = cache.get(new DataView(b2.buffer, b2.byteOffset, b2.byteLength), scan);
            if (again !== undefined) expect(again.series).toBe(key);
            const size =
              scan.nameEnd - scan.nameStart + (scan.mapStart < 0 ? 0 : scan.mapEnd - scan.mapStart);
            expect(again === undefined).toBe(size > arenaBytes);
            expect(cache.size).toBeLessThanOrEqual(maxEntries);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('finds every one of thousands of series after growing its tables and arena', () => {
    // Prepare: 3,000 distinct series (over the initial 256 entries and 16 KiB of keys).
    const cache = new ScannedSeriesCache();
    const scan = new InputEventScan();
    const records = Array.from({ length: 3000 }, (_v, i) =>
      Buffer.from(JSON.stringify(telemetry('t', `m${i % 7}`, i, T, { host: `h-${i}`, az: 'a' }))),
    );
    const views = records.map((b) => new DataView(b.buffer, b.byteOffset, b.byteLength));
    // Act
    records.forEach((b, i) => {
      expect(scanInputEvent(b, 0, b.length, scan)).toBe(true);
      cache.set(views[i]!, scan, {
        series: `s${i}`,
        kind: 'telemetry',
        metric: 'm',
        dimensions: {},
      });
    });
    const found = records.map((b, i) => {
      scanInputEvent(b, 0, b.length, scan);
      return cache.get(views[i]!, scan)?.series;
    });
    // Assess
    expect(cache.size).toBe(3000);
    expect(found).toEqual(records.map((_b, i) => `s${i}`));
  });

  it('gives the same input record as the general path, plain and KPL, whatever is cached', () => {
    let scanned = 0;
    fc.assert(
      fc.property(
        fc.array(text, { minLength: 1, maxLength: 12 }),
        fc.constantFrom<readonly string[]>([], ['a'], ['b', 'a']),
        (texts, seriesDimensions) => {
          // Prepare: one decoder per path; each record twice, so the second one meets its
          // series in the scanned-series cache.
          const fast = new RecordDecoder({ seriesDimensions });
          const reference = new RecordDecoder({ seriesDimensions });
          const all = [...texts, ...texts];
          for (const [i, t] of all.entries()) {
            const bytes = Buffer.from(t);
            // Act
            const got = fast.recordBase64(at(String(i), 1000), bytes.toString('base64'));
            const want = reference.record(at(String(i), 1000, 0), bytes, bytes.toString('base64'));
            // Assess
            expect(got).toEqual(want);
          }
          // The same records as KPL user records.
          const kpl = Buffer.from(
            aggregate(all.map((t) => ({ partitionKey: 'pk', data: Buffer.from(t) }))),
          );
          const out: InputRecord[] = [];
          expandKinesisRecord(fast, kinesisRecord(S, '9', kpl), S, out);
          expect(out).toEqual(
            all.map((t, sub) =>
              reference.record(at('9', out[0]!.arrivalTimeMs, sub), Buffer.from(t), Buffer.from(t)),
            ),
          );
          scanned += fast.scanned;
        },
      ),
      { numRuns: 400 },
    );
    // Assess: the fast path really answered (most second sightings of accepted records).
    expect(scanned).toBeGreaterThan(1000);
  });
});
