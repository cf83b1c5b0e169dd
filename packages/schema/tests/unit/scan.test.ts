import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  InputEventScan,
  isRfc3339DateTime,
  normalizeEvent,
  normalizeTime,
  rfc3339Bytes,
  scanInputEvent,
  validateEvent,
  validateInputEvent,
} from '../../src/index.js';

/*
 * The scanner may decline anything, but what it accepts must be exactly what the general path
 * (JSON.parse + validateInputEvent + normalizeEvent + JSON.stringify) would accept and write: every
 * accepted text is checked against that path, field by field and as the normalised line.
 */

// biome-ignore lint/suspicious/noExplicitAny: parsed JSON is inspected field by field
type Any = any;

const scan = new InputEventScan();
const latin1 = (b: Uint8Array, s: number, e: number): string =>
  Buffer.from(b).toString('latin1', s, e);

/** The normalised line rebuilt from the scan's offsets: time replaced, map pairs in `order`. */
function lineFromScan(b: Uint8Array, start: number, end: number): string {
  const time = normalizeTime(latin1(b, scan.timeStart, scan.timeEnd));
  const parts: Array<[number, number, string]> = [
    [scan.timeStart - 1, scan.timeEnd + 1, `"${time}"`],
  ];
  if (scan.mapStart >= 0) {
    const pairs: string[] = [];
    for (let k = 0; k < scan.pairs; k++) {
      const p = scan.order[k]!;
      pairs.push(latin1(b, scan.pairStart[p]!, scan.pairEnd[p]!));
    }
    parts.push([scan.mapStart, scan.mapEnd, `{${pairs.join(',')}}`]);
  }
  parts.sort((x, y) => x[0] - y[0]);
  let out = '';
  let from = start;
  for (const [s, e, text] of parts) {
    out += latin1(b, from, s) + text;
    from = e;
  }
  return out + latin1(b, from, end);
}

/** Holds every promise of an accepted scan of `text` placed at `offset` in a larger buffer. */
function checkAgainstGeneralPath(text: string, offset: number): boolean {
  const body = Buffer.from(text, 'utf8');
  const b = new Uint8Array(offset + body.length + 3);
  b.fill(0x7b); // garbage around the record: the scanner must stay inside [start, end)
  b.set(body, offset);
  const accepted = scanInputEvent(b, offset, offset + body.length, scan);
  if (!accepted) return false;
  const parsed: Any = JSON.parse(text);
  expect(validateInputEvent(parsed).ok).toBe(true);
  expect(validateEvent(parsed).ok).toBe(true);
  expect(JSON.stringify(parsed)).toBe(text);
  expect(scan.type).toBe(parsed.type);
  const time = latin1(b, scan.timeStart, scan.timeEnd);
  expect(time).toBe(parsed.time);
  expect(scan.canonicalTime).toBe(normalizeTime(time) === time);
  expect(latin1(b, scan.idStart, scan.idEnd)).toBe(parsed.id);
  expect(latin1(b, scan.sourceStart, scan.sourceEnd)).toBe(parsed.source);
  expect(scan.subjectStart >= 0 ? latin1(b, scan.subjectStart, scan.subjectEnd) : undefined).toBe(
    parsed.subject,
  );
  expect(latin1(b, scan.dataStart, scan.dataEnd)).toBe(JSON.stringify(parsed.data));
  if (parsed.type === 'app.log') {
    expect(scan.level).toBe(parsed.data.level);
    expect(latin1(b, scan.nameStart, scan.nameEnd)).toBe(parsed.data.service);
    expect(latin1(b, scan.messageStart, scan.messageEnd)).toBe(parsed.data.message);
    expect(scan.traceIdStart >= 0 ? latin1(b, scan.traceIdStart, scan.traceIdEnd) : undefined).toBe(
      parsed.data.traceId,
    );
  } else {
    expect(scan.messageStart).toBe(-1);
    expect(scan.traceIdStart).toBe(-1);
    expect(scan.level).toBeUndefined();
    expect(latin1(b, scan.nameStart, scan.nameEnd)).toBe(parsed.data.metric);
    expect(Number(latin1(b, scan.valueStart, scan.valueEnd))).toBe(parsed.data.value);
  }
  const map = parsed.type === 'app.log' ? parsed.data.attributes : parsed.data.dimensions;
  expect(scan.mapStart >= 0).toBe(map !== undefined);
  if (map !== undefined) {
    const keys: string[] = [];
    for (let k = 0; k < scan.pairs; k++) {
      const p = scan.order[k]!;
      keys.push(latin1(b, scan.pairStart[p]! + 1, scan.keyEnd[p]!));
    }
    expect(keys).toEqual(Object.keys(map).sort());
    expect(scan.sorted).toBe(Object.keys(map).join('\u0000') === keys.join('\u0000'));
  }
  expect(lineFromScan(b, offset, offset + body.length)).toBe(
    JSON.stringify(normalizeEvent(parsed)),
  );
  return true;
}

// Text: mostly plain ASCII, sometimes what the scanner must decline (spaces at the ends, quotes,
// backslashes, control characters, non-ASCII).
const char = fc.oneof(
  { weight: 20, arbitrary: fc.constantFrom(...'abcxyzAZ019-./:') },
  { weight: 1, arbitrary: fc.constantFrom(' ', '"', '\\', '\t', '\u007f', 'é', '\u2028', '_') },
);
const text = fc.oneof(
  { weight: 8, arbitrary: fc.string({ unit: char, minLength: 1, maxLength: 10 }) },
  { weight: 1, arbitrary: fc.constantFrom('', ' ', ' a', 'a ', '1', '_x', 'streamlensx') },
);
const cleanText = fc.string({
  unit: fc.constantFrom(...'abcxyz019-./:'),
  minLength: 1,
  maxLength: 10,
});
const cleanKey = fc.string({ unit: fc.constantFrom(...'abcdxyz.-'), minLength: 1, maxLength: 8 });

const time = fc.oneof(
  fc.constantFrom(
    '2026-11-25T10:14:59.123Z',
    '2026-11-25T10:14:59Z',
    '2026-11-25T12:14:59.5+02:00',
    '2026-11-25T10:14:59.123456-05:30',
  ),
  fc.constantFrom(
    '2026-02-29T10:00:00.000Z',
    '2028-02-29T10:00:00.000Z',
    '2026-13-01T00:00:00.000Z',
    '2026-11-25t10:14:59.123Z',
    '2026-11-25T24:00:00.000Z',
    '2026-11-25T10:14:60Z',
    '2026-11-25T10:14:59.Z',
    '2026-11-25T10:14:59+2:00',
    '2026-11-25 10:14:59Z',
    '',
  ),
  fc
    .date({ min: new Date(0), max: new Date(Date.UTC(9999, 0)), noInvalidDate: true })
    .map((d) => d.toISOString()),
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
  fc
    .date({ min: new Date(0), max: new Date(Date.UTC(9999, 0)), noInvalidDate: true })
    .map((d) => d.toISOString()),
);

const number = fc.oneof(
  fc.integer({ min: -1e9, max: 1e9 }),
  fc.integer({ min: -99999, max: 99999 }).map((n) => n / 1000),
  fc.double({ noNaN: true }),
  fc.constantFrom(0, -0, 1e21, 1e-7, 0.000001, 123456789012345.6, 2 ** 53, Number.MAX_VALUE),
);

const primitive = fc.oneof(
  { weight: 4, arbitrary: text },
  { weight: 2, arbitrary: number },
  { weight: 1, arbitrary: fc.constantFrom(true, false, null) },
);

const value = fc.oneof(
  { weight: 10, arbitrary: primitive },
  { weight: 1, arbitrary: fc.constantFrom<unknown>([], [1], {}, { a: 1 }) },
);

const map = (values: fc.Arbitrary<unknown>) =>
  fc.array(
    fc.tuple(fc.oneof({ weight: 20, arbitrary: cleanKey }, { weight: 1, arbitrary: text }), values),
    {
      maxLength: 6,
    },
  );

type Pairs = Array<[string, unknown]>;

/** An object's JSON written pair by pair (so duplicate keys can be written too). */
function objectText(pairs: Pairs): string {
  return `{${pairs.map(([k, v]) => `${JSON.stringify(k)}:${typeof v === 'string' && v.startsWith('\u0000raw:') ? v.slice(5) : JSON.stringify(v)}`).join(',')}}`;
}

const raw = (json: string): string => `\u0000raw:${json}`;

const opt = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined, freq: 3 });

/** Near-valid events of both input types as pair lists, in random order, with random extras. */
const eventPairs: fc.Arbitrary<Pairs> = fc
  .record({
    type: fc.oneof(
      { weight: 10, arbitrary: fc.constantFrom('telemetry.reading', 'app.log') },
      { weight: 1, arbitrary: fc.constantFrom<unknown>('metrics.window', 'x', 1, undefined) },
    ),
    specversion: fc.oneof(
      { weight: 10, arbitrary: fc.constant<unknown>('1.0') },
      { weight: 1, arbitrary: value },
    ),
    id: fc.oneof({ weight: 30, arbitrary: cleanText }, { weight: 1, arbitrary: value }),
    source: fc.oneof({ weight: 30, arbitrary: cleanText }, { weight: 1, arbitrary: value }),
    time: fc.oneof({ weight: 30, arbitrary: time }, { weight: 1, arbitrary: value }),
    subject: opt(fc.oneof({ weight: 30, arbitrary: cleanText }, { weight: 1, arbitrary: value })),
    datacontenttype: opt(fc.oneof(fc.constant<unknown>('application/json'), value)),
    dataschema: opt(
      fc.oneof({ weight: 30, arbitrary: cleanText }, { weight: 1, arbitrary: value }),
    ),
    extensions: fc.oneof(
      { weight: 4, arbitrary: fc.constant<Pairs>([]) },
      {
        weight: 1,
        arbitrary: fc.array(fc.tuple(fc.oneof(cleanKey, text), value), { maxLength: 3 }),
      },
    ),
    metric: opt(fc.oneof({ weight: 30, arbitrary: cleanText }, { weight: 1, arbitrary: value })),
    value: opt(fc.oneof({ weight: 30, arbitrary: number }, { weight: 1, arbitrary: value })),
    unit: opt(fc.oneof({ weight: 30, arbitrary: cleanText }, { weight: 1, arbitrary: value })),
    level: opt(
      fc.oneof(
        {
          weight: 6,
          arbitrary: fc.constantFrom<unknown>('DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'),
        },
        { weight: 1, arbitrary: fc.constantFrom<unknown>('info', 'TRACE', 1, null) },
      ),
    ),
    message: opt(
      fc.oneof(
        { weight: 10, arbitrary: fc.string({ unit: fc.constantFrom(...'ab c'), maxLength: 20 }) },
        { weight: 2, arbitrary: fc.string({ unit: char, maxLength: 20 }) },
        { weight: 1, arbitrary: value },
      ),
    ),
    service: opt(fc.oneof({ weight: 30, arbitrary: cleanText }, { weight: 1, arbitrary: value })),
    traceId: opt(fc.oneof({ weight: 30, arbitrary: cleanText }, { weight: 1, arbitrary: value })),
    dimensions: opt(
      fc.oneof(
        {
          weight: 8,
          arbitrary: map(
            fc.oneof({ weight: 8, arbitrary: cleanText }, { weight: 1, arbitrary: primitive }),
          ),
        },
        { weight: 1, arbitrary: value },
      ),
    ),
    attributes: opt(
      fc.oneof(
        {
          weight: 8,
          arbitrary: map(
            fc.oneof(
              { weight: 10, arbitrary: fc.oneof(cleanText, fc.boolean(), fc.integer()) },
              { weight: 1, arbitrary: primitive },
            ),
          ),
        },
        { weight: 1, arbitrary: value },
      ),
    ),
    dataExtras: fc.oneof(
      { weight: 4, arbitrary: fc.constant<Pairs>([]) },
      {
        weight: 1,
        arbitrary: fc.array(fc.tuple(fc.oneof(cleanKey, text), value), { maxLength: 2 }),
      },
    ),
    duplicate: fc.oneof(
      { weight: 8, arbitrary: fc.constant(undefined) },
      { weight: 1, arbitrary: fc.nat() },
    ),
    seed: fc.nat(),
  })
  .map((r) => {
    const isLog = r.type === 'app.log';
    const data: Pairs = [];
    const put = (k: string, v: unknown) => {
      if (v !== undefined) data.push([k, v]);
    };
    const mapOf = (v: unknown) =>
      Array.isArray(v) && v.every((p) => Array.isArray(p) && p.length === 2) && v.length > 0
        ? raw(objectText(v as Pairs))
        : Array.isArray(v) && v.length === 0 && r.seed % 2 === 0
          ? raw('{}')
          : v;
    if (isLog) {
      put('level', r.level ?? (r.seed % 5 === 0 ? undefined : 'INFO'));
      put('message', r.message ?? (r.seed % 7 === 0 ? undefined : 'hello'));
      put('service', r.service ?? (r.seed % 9 === 0 ? undefined : 'svc'));
      put('traceId', r.traceId);
      put('attributes', mapOf(r.attributes));
      if (r.seed % 11 === 0) put('dimensions', mapOf(r.dimensions));
    } else {
      put('metric', r.metric ?? (r.seed % 5 === 0 ? undefined : 'cpu'));
      put('value', r.value ?? (r.seed % 7 === 0 ? undefined : 1.5));
      put('unit', r.unit);
      put('dimensions', mapOf(r.dimensions));
      if (r.seed % 11 === 0) put('attributes', mapOf(r.attributes));
    }
    for (const e of r.dataExtras) data.push(e);
    const top: Pairs = [];
    const putTop = (k: string, v: unknown) => {
      if (v !== undefined) top.push([k, v]);
    };
    putTop('specversion', r.specversion);
    putTop('id', r.id);
    putTop('source', r.source);
    putTop('type', r.type);
    putTop('time', r.time);
    putTop('subject', r.subject);
    putTop('datacontenttype', r.datacontenttype);
    putTop('dataschema', r.dataschema);
    if (r.seed % 13 !== 0) top.push(['data', raw(objectText(shuffle(data, r.seed)))]);
    for (const e of r.extensions) top.push(e);
    const all = shuffle(top, r.seed >> 3);
    if (r.duplicate !== undefined && all.length > 0) all.push(all[r.duplicate % all.length]!);
    return all;
  });

function shuffle<T>(xs: T[], seed: number): T[] {
  const out = [...xs];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) >>> 0;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Valid events as a JSON.stringify-based producer writes them: the scanner must take them all. */
const cleanEvent = fc
  .record({
    isLog: fc.boolean(),
    id: cleanText,
    source: cleanText,
    time: fc.oneof(
      fc
        .date({ min: new Date(0), max: new Date(Date.UTC(9999, 0)), noInvalidDate: true })
        .map((d) => d.toISOString()),
      fc.constantFrom(
        '2026-11-25T10:14:59Z',
        '2026-11-25T12:14:59.5+02:00',
        '2026-11-25T10:14:59.123456-05:30',
      ),
    ),
    subject: opt(cleanText),
    datacontenttype: opt(fc.constant('application/json')),
    name: cleanText,
    value: fc.oneof(
      fc.integer({ min: -1e9, max: 1e9 }),
      fc.integer({ min: -99999, max: 99999 }).map((n) => n / 1000),
    ),
    unit: opt(cleanText),
    level: fc.constantFrom('DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'),
    message: fc
      .string({ unit: fc.constantFrom(...'ab c'), maxLength: 20 })
      .filter((s) => s.trim() === s),
    dims: opt(fc.dictionary(cleanKey, cleanText, { maxKeys: 8 })),
    attrs: opt(
      fc.dictionary(cleanKey, fc.oneof(cleanText, fc.boolean(), fc.integer()), { maxKeys: 8 }),
    ),
  })
  .map((r) => {
    const e: Record<string, unknown> = { specversion: '1.0', id: r.id, source: r.source };
    e.type = r.isLog ? 'app.log' : 'telemetry.reading';
    e.time = r.time;
    if (r.subject !== undefined) e.subject = r.subject;
    if (r.datacontenttype !== undefined) e.datacontenttype = r.datacontenttype;
    e.data = r.isLog
      ? {
          level: r.level,
          message: r.message,
          service: r.name,
          ...(r.attrs && { attributes: r.attrs }),
        }
      : {
          metric: r.name,
          value: r.value,
          ...(r.unit && { unit: r.unit }),
          ...(r.dims && { dimensions: r.dims }),
        };
    return JSON.stringify(e);
  });

describe('scanInputEvent', () => {
  it('accepts every valid event written by JSON.stringify, with what the general path finds', () => {
    fc.assert(
      fc.property(cleanEvent, fc.nat(8), (text, offset) => {
        // Prepare / Act / Assess
        expect(checkAgainstGeneralPath(text, offset)).toBe(true);
      }),
      { numRuns: 1500 },
    );
  });

  it('accepts only what the general path accepts and writes the same line (near-valid events)', () => {
    let accepted = 0;
    fc.assert(
      fc.property(eventPairs, fc.nat(4), (pairs, offset) => {
        // Prepare
        const text = objectText(pairs);
        // Act / Assess (inside: every accepted text against JSON.parse + validation + normalizeEvent)
        if (checkAgainstGeneralPath(text, offset)) accepted++;
      }),
      { numRuns: 4000 },
    );
    // The generator is biased to valid events: a scanner that declined everything would pass above.
    expect(accepted).toBeGreaterThan(100);
  });

  it('accepts nothing that a byte mutation makes invalid or non-canonical', () => {
    fc.assert(
      fc.property(
        cleanEvent,
        fc.array(
          fc.record({
            at: fc.nat(),
            op: fc.constantFrom('set', 'insert', 'delete'),
            byte: fc.constantFrom(
              ...' "\\{}[],:.-+0159eEtfnulZT_a\u0000\u00ff'.split('').map((c) => c.charCodeAt(0)),
            ),
          }),
          { minLength: 1, maxLength: 3 },
        ),
        (text, edits) => {
          // Prepare
          const bytes = [...Buffer.from(text, 'latin1')];
          for (const { at, op, byte } of edits) {
            const i = at % (bytes.length + 1);
            if (op === 'set' && i < bytes.length) bytes[i] = byte;
            else if (op === 'insert') bytes.splice(i, 0, byte);
            else bytes.splice(i, 1);
          }
          const mutated = Buffer.from(bytes);
          // Act
          const ok = scanInputEvent(mutated, 0, mutated.length, scan);
          // Assess: accepted only if the mutated text still passes every promise
          if (ok) expect(checkAgainstGeneralPath(mutated.toString('latin1'), 0)).toBe(true);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('rfc3339Bytes agrees with isRfc3339DateTime', () => {
    const unit = fc.constantFrom(...'0123456789-:T.Z+ tz');
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit, minLength: 18, maxLength: 32 }),
          fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
          fc
            .tuple(
              fc.date({ min: new Date(0), max: new Date(Date.UTC(9999, 0)), noInvalidDate: true }),
              fc.nat(40),
              unit,
            )
            .map(([d, i, c]) => {
              const s = d.toISOString();
              return s.slice(0, i % 24) + c + s.slice((i % 24) + 1);
            }),
        ),
        (s) => {
          // Prepare
          const b = Buffer.from(`"${s}"`, 'latin1');
          // Act / Assess
          expect(rfc3339Bytes(b, 1, b.length - 1)).toBe(isRfc3339DateTime(s));
        },
      ),
      { numRuns: 3000 },
    );
  });
});

describe('scanInputEvent declines what validateInputEvent rejects, one schema rule at a time', () => {
  const telemetry = {
    specversion: '1.0',
    id: 'e-1',
    source: '/agent',
    type: 'telemetry.reading',
    time: '2026-01-15T12:00:00.007Z',
    subject: 'web-1',
    datacontenttype: 'application/json',
    dataschema: 'https://s/v1',
    data: { metric: 'cpu', value: 61.486, unit: 'ms', dimensions: { host: 'web-1', az: 'a' } },
  };
  const log = {
    specversion: '1.0',
    id: 'e-2',
    source: '/svc',
    type: 'app.log',
    time: '2026-01-15T12:00:00+01:00',
    data: {
      level: 'WARN',
      message: 'm',
      service: 'billing',
      traceId: 't',
      attributes: { n: 1, b: true, s: 'x' },
    },
  };
  type Edit = (e: Any) => void;
  const rules: Array<[string, object, Edit]> = [
    ['specversion missing', telemetry, (e) => delete e.specversion],
    ['specversion not 1.0', telemetry, (e) => (e.specversion = '0.3')],
    ['specversion a number', telemetry, (e) => (e.specversion = 1)],
    ['type missing', telemetry, (e) => delete e.type],
    ['type unknown', telemetry, (e) => (e.type = 'telemetry.read')],
    ['type not a string', telemetry, (e) => (e.type = 7)],
    ['id missing', telemetry, (e) => delete e.id],
    ['id empty', telemetry, (e) => (e.id = '')],
    ['id a number', telemetry, (e) => (e.id = 661307295)],
    ['source missing', log, (e) => delete e.source],
    ['source empty', log, (e) => (e.source = '')],
    ['source null', log, (e) => (e.source = null)],
    ['time missing', telemetry, (e) => delete e.time],
    ['time without offset', telemetry, (e) => (e.time = '2026-01-15T12:00:00.007')],
    ['time not a day', telemetry, (e) => (e.time = '2026-02-30T12:00:00Z')],
    ['time a leap second', telemetry, (e) => (e.time = '2026-01-15T23:59:60Z')],
    ['time lower-case t', telemetry, (e) => (e.time = '2026-01-15t12:00:00Z')],
    ['time a number', telemetry, (e) => (e.time = 1768478400007)],
    ['subject empty', telemetry, (e) => (e.subject = '')],
    ['subject a boolean', telemetry, (e) => (e.subject = true)],
    ['datacontenttype empty', telemetry, (e) => (e.datacontenttype = '')],
    ['dataschema a number', telemetry, (e) => (e.dataschema = 1)],
    ['data missing', telemetry, (e) => delete e.data],
    ['data a string', telemetry, (e) => (e.data = 'x')],
    ['data null', log, (e) => (e.data = null)],
    ['metric missing', telemetry, (e) => delete e.data.metric],
    ['metric empty', telemetry, (e) => (e.data.metric = '')],
    ['metric a number', telemetry, (e) => (e.data.metric = 3)],
    ['value missing', telemetry, (e) => delete e.data.value],
    ['value a string', telemetry, (e) => (e.data.value = '61.486')],
    ['value null', telemetry, (e) => (e.data.value = null)],
    ['unit empty', telemetry, (e) => (e.data.unit = '')],
    ['unit a boolean', telemetry, (e) => (e.data.unit = false)],
    ['dimensions a string', telemetry, (e) => (e.data.dimensions = 'host=web-1')],
    ['dimensions null', telemetry, (e) => (e.data.dimensions = null)],
    ['dimension value a number', telemetry, (e) => (e.data.dimensions.az = 1)],
    ['dimension value a boolean', telemetry, (e) => (e.data.dimensions.az = true)],
    ['dimension value null', telemetry, (e) => (e.data.dimensions.az = null)],
    ['dimension key empty', telemetry, (e) => (e.data.dimensions[''] = 'x')],
    ['level missing', log, (e) => delete e.data.level],
    ['level lower case', log, (e) => (e.data.level = 'warn')],
    ['level not a level', log, (e) => (e.data.level = 'TRACE')],
    ['level a number', log, (e) => (e.data.level = 3)],
    ['message missing', log, (e) => delete e.data.message],
    ['message a number', log, (e) => (e.data.message = 3)],
    ['service missing', log, (e) => delete e.data.service],
    ['service empty', log, (e) => (e.data.service = '')],
    ['traceId empty', log, (e) => (e.data.traceId = '')],
    ['traceId a number', log, (e) => (e.data.traceId = 12)],
    ['attributes a string', log, (e) => (e.data.attributes = 'a')],
    ['attribute value null', log, (e) => (e.data.attributes.n = null)],
    ['attribute key empty', log, (e) => (e.data.attributes[''] = 1)],
  ];

  it.each(rules)('%s', (_name, base, edit) => {
    // Prepare: the unedited event is accepted, so the decline below is the rule's doing
    const valid = Buffer.from(JSON.stringify(base));
    expect(scanInputEvent(valid, 0, valid.length, scan)).toBe(true);
    const e = structuredClone(base) as Any;
    edit(e);
    const text = JSON.stringify(e);
    expect(validateInputEvent(JSON.parse(text)).ok).toBe(false);
    const b = Buffer.from(text);
    // Act / Assess
    expect(scanInputEvent(b, 0, b.length, scan)).toBe(false);
  });

  it('declines non-finite spellings JSON.parse turns into Infinity (1e999) and other exponents', () => {
    // Prepare
    const text = JSON.stringify(telemetry).replace('61.486', '1e999');
    expect(validateInputEvent(JSON.parse(text)).ok).toBe(false);
    const b = Buffer.from(text);
    // Act / Assess
    expect(scanInputEvent(b, 0, b.length, scan)).toBe(false);
  });

  it('accepts unknown fields (CloudEvents extensions, newer data fields) as validateInputEvent does', () => {
    // Prepare
    const e = {
      ...telemetry,
      traceparent: '00-abc',
      data: { ...telemetry.data, extra: 1, level: 'no' },
    };
    const text = JSON.stringify(e);
    expect(validateInputEvent(JSON.parse(text)).ok).toBe(true);
    const b = Buffer.from(text);
    // Act / Assess
    expect(scanInputEvent(b, 0, b.length, scan)).toBe(true);
  });

  it('declines a duplicated unknown field and a duplicated map key (JSON.parse keeps one)', () => {
    // Prepare
    const dupExtension = JSON.stringify(telemetry).replace(
      '{"specversion"',
      '{"x":1,"x":2,"specversion"',
    );
    const dupKey = JSON.stringify(telemetry).replace('"az":"a"', '"az":"a","az":"b"');
    // Act / Assess
    for (const text of [dupExtension, dupKey]) {
      const b = Buffer.from(text);
      expect(scanInputEvent(b, 0, b.length, scan)).toBe(false);
    }
  });
});
