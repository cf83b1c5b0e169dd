import { aggregate, type InputEvent, isKplAggregated, seriesKeyOf } from '@streamlens/schema';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  EventTimeParser,
  KinesisRecordSource,
  looksKpl,
  RecordDecoder,
  SeriesCache,
  toInputRecords,
} from '../../src/decode.js';
import { appLog, kinesisEvent, kinesisRecord, telemetry } from '../helpers/kinesis-events.js';

const S = 'shardId-000000000007';
const T = '2026-11-25T12:00:01.000Z';

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
            const got = fast.recordBase64(S, String(i), 'pk', 1000, text);
            const want = reference.record(
              S,
              String(i),
              0,
              'pk',
              1000,
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
      S,
      '1',
      'pk',
      0,
      Buffer.from(JSON.stringify(big)).toString('base64'),
    );
    const second = decoder.recordBase64(
      S,
      '2',
      'pk',
      0,
      Buffer.from(JSON.stringify(small)).toString('base64'),
    );
    // Assess
    expect(first.obs?.series).toBe(`cpu|pad=${'x'.repeat(40_000)}`);
    expect(second.error).toBeUndefined();
    expect(second.obs).toMatchObject({ series: 'm', value: 2 });
  });
});
