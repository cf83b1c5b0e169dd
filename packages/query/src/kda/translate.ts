import { stringify } from 'yaml';
import { defaultShapedQuery } from '../defaults.js';
import { formatDuration } from '../duration.js';
import { parseQueryFile } from '../load.js';
import type { Expr, Ident, Interval, Select, Statement, WindowSpecAst } from './ast.js';
import { SqlSyntaxError } from './lexer.js';
import { parseSql } from './parser.js';

/** Something to know about a translated statement, or why a statement was not translated. */
export type TranslateNote = { line: number; statement: string; message: string };

export type Translation = {
  /** The query file (YAML), validated; `undefined` when nothing could be translated. */
  yaml: string | undefined;
  queries: number;
  notes: TranslateNote[];
  untranslated: TranslateNote[];
};

export type TranslateOptions = {
  /** Window of the per-series queries that feed the anomaly detector (RANDOM_CUT_FOREST). */
  detectorWindow: string;
};

const UNIT_SUFFIX: Record<string, string> = { SECOND: 's', MINUTE: 'm', HOUR: 'h', DAY: 'd' };
const UNIT_MS: Record<string, number> = {
  SECOND: 1000,
  MINUTE: 60_000,
  HOUR: 3_600_000,
  DAY: 86_400_000,
};
const BASIC_AGGREGATES: Record<string, string> = { SUM: 'sum', MIN: 'min', MAX: 'max', AVG: 'avg' };
const DETECTORS = new Set(['RANDOM_CUT_FOREST', 'RANDOM_CUT_FOREST_WITH_EXPLANATION']);
/** SQL comparison → query-file operator. */
const COMPARE_OPS: Record<string, string> = {
  '=': 'eq',
  '<>': 'ne',
  '<': 'lt',
  '<=': 'le',
  '>': 'gt',
  '>=': 'ge',
};

/** The terms of a chain of ANDs, left to right. */
function conjunctsOf(e: Expr): Expr[] {
  if (e.k === 'bin' && e.op === 'AND') return [...conjunctsOf(e.l), ...conjunctsOf(e.r)];
  return [e];
}

/** A statement the translator refuses, with the reason given to the user. */
class Untranslatable extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
  }
}

type RawQuery = Record<string, unknown> & { name: string };

/**
 * Translates Kinesis Data Analytics SQL application code into a streamlens query file.
 * docs/kda-migration.md lists each construct, its equivalent and what differs. Columns map to
 * event fields: the numeric column an aggregate reads is a metric name (the query reads that
 * metric's readings), any other column a dimension of the same name (lower case unless quoted).
 */
export function translateKda(sql: string, options: Partial<TranslateOptions> = {}): Translation {
  const opts: TranslateOptions = { detectorWindow: '1m', ...options };
  const notes: TranslateNote[] = [];
  const untranslated: TranslateNote[] = [];
  let statements: Statement[];
  try {
    statements = parseSql(sql);
  } catch (error) {
    if (!(error instanceof SqlSyntaxError)) throw error;
    return {
      yaml: undefined,
      queries: 0,
      notes,
      untranslated: [{ line: error.line, statement: '', message: error.message }],
    };
  }
  // Which pump writes each in-application stream, to follow chains (RCF → threshold).
  const writers = new Map<string, { pump: string; detector: boolean }>();
  for (const s of statements) {
    if (s.k === 'pump') {
      writers.set(key(s.target), {
        pump: s.name.text,
        detector: detectorOf(s.select) !== undefined,
      });
    }
  }
  const queries: RawQuery[] = [];
  const names = new Set<string>();
  for (const s of statements) {
    if (s.k === 'stream') continue; // declares an output's columns: nothing to run
    if (s.k === 'unknown') {
      untranslated.push({ line: s.line, statement: s.head, message: s.reason });
      continue;
    }
    const label = s.k === 'pump' ? `PUMP ${s.name.text}` : 'SELECT STREAM';
    const base = s.k === 'pump' ? s.name.text : `query-line-${s.line}`;
    const note = (message: string) => notes.push({ line: s.line, statement: label, message });
    try {
      const src = s.select.from;
      const upstream = src.k === 'stream' ? writers.get(key(src.name)) : undefined;
      if (upstream !== undefined && src.k === 'stream') {
        if (upstream.detector && !hasAggregates(s.select)) {
          note(
            `reads the scores of ${upstream.pump}: anomaly-alerts decides when to alert (a calibrated tail probability per series), so an ANOMALY_SCORE threshold does not carry over; subscribe to the alerts topic instead`,
          );
          continue;
        }
        throw new Untranslatable(
          `reads in-application stream ${src.name.text}, written by pump ${upstream.pump}: a streamlens query reads source events only; merge the two SELECTs into one`,
          s.line,
        );
      }
      for (const q of translateSelect(s.select, base, opts, note)) {
        let name = sanitizeName(q.name);
        for (let i = 2; names.has(name); i++) name = `${sanitizeName(q.name)}-${i}`;
        names.add(name);
        queries.push({ ...q, name });
      }
    } catch (error) {
      if (!(error instanceof Untranslatable)) throw error;
      untranslated.push({ line: error.line, statement: label, message: error.message });
    }
  }
  if (queries.length === 0) return { yaml: undefined, queries: 0, notes, untranslated };
  const yaml = stringify({ version: 1, queries }, { aliasDuplicateObjects: false, lineWidth: 100 });
  // What we write must load: the same validation as the aggregator's.
  parseQueryFile(yaml, 'translated query file');
  return { yaml, queries: queries.length, notes, untranslated };
}

function key(id: Ident): string {
  return id.quoted ? id.text : id.text.toUpperCase();
}

/** An unquoted SQL name as an event field name (lower case); a quoted one as written. */
function fieldName(id: Ident): string {
  return id.quoted ? id.text : id.text.toLowerCase();
}

function sanitizeName(s: string): string {
  const clean = s.replace(/[^A-Za-z0-9_.-]/g, '-').replace(/^[^A-Za-z0-9]+/, '');
  return (clean || 'query').slice(0, 128);
}

function outputName(alias: Ident | undefined, fallback: string): string {
  if (alias === undefined) return fallback;
  const clean = fieldName(alias)
    .replace(/[^A-Za-z0-9_]/g, '_')
    .slice(0, 64);
  return /^[A-Za-z_]/.test(clean) ? clean : `_${clean.slice(0, 63)}`;
}

function duration(iv: Interval, line: number): string {
  if (iv.n === 0)
    throw new Untranslatable('a window of size 0 (CURRENT ROW) has no equivalent', line);
  return `${iv.n}${UNIT_SUFFIX[iv.unit]}`;
}

function detectorOf(s: Select): Extract<Expr, { k: 'call' }> | undefined {
  return s.from.k === 'table' && DETECTORS.has(s.from.call.name) ? s.from.call : undefined;
}

function hasAggregates(s: Select): boolean {
  return s.items.some(
    (i) => i.e.k === 'call' && (i.e.name === 'COUNT' || i.e.name in BASIC_AGGREGATES),
  );
}

/** The column a simple expression names (through CAST), or undefined. */
function columnOf(e: Expr): Ident | undefined {
  if (e.k === 'cast') return columnOf(e.e);
  if (e.k === 'col') return e.parts[e.parts.length - 1];
  return undefined;
}

function isRowtime(e: Expr): boolean {
  const c = columnOf(e);
  return c !== undefined && !c.quoted && c.text.toUpperCase() === 'ROWTIME';
}

function translateSelect(
  s: Select,
  base: string,
  opts: TranslateOptions,
  note: (m: string) => void,
): RawQuery[] {
  const detector = detectorOf(s);
  if (detector !== undefined) return [translateDetector(s, detector, base, opts, note)];
  if (s.from.k === 'table') {
    throw new Untranslatable(`table function ${s.from.call.name} has no equivalent`, s.line);
  }
  // Aggregates, and the one window they share.
  type Agg = {
    fn: string;
    column: Ident | undefined;
    distinct: boolean;
    alias: Ident | undefined;
    line: number;
  };
  const aggs: Agg[] = [];
  let over: WindowSpecAst | undefined;
  const groupedNames = new Set<string>();
  for (const item of s.items) {
    const e = item.e;
    if (e.k !== 'call') continue;
    if (e.name !== 'COUNT' && !(e.name in BASIC_AGGREGATES)) {
      throw new Untranslatable(
        `function ${e.name} has no equivalent (supported: COUNT, SUM, MIN, MAX, AVG)`,
        e.line,
      );
    }
    const arg = e.args[0];
    const column = arg === undefined || arg.k === 'star' ? undefined : columnOf(arg);
    if (arg !== undefined && arg.k !== 'star' && column === undefined) {
      throw new Untranslatable(
        `${e.name} over an expression: aggregate a column (compute the value before it reaches the stream)`,
        e.line,
      );
    }
    if (e.name !== 'COUNT' && column === undefined)
      throw new Untranslatable(`${e.name}(*) is not valid`, e.line);
    if (e.over !== undefined) {
      const spec = typeof e.over === 'string' ? s.windows.get(e.over) : e.over;
      if (spec === undefined)
        throw new Untranslatable(`window ${String(e.over)} is not defined`, e.line);
      if (
        over !== undefined &&
        over !== spec &&
        JSON.stringify(stripLines(over)) !== JSON.stringify(stripLines(spec))
      ) {
        throw new Untranslatable(
          'aggregates over different windows in one SELECT: write one SELECT per window',
          e.line,
        );
      }
      over = spec;
    }
    aggs.push({ fn: e.name, column, distinct: e.distinct, alias: item.alias, line: e.line });
  }
  if (aggs.length === 0) {
    throw new Untranslatable(
      'a SELECT without aggregates (a row-by-row filter or projection): streamlens does not re-publish events; filter where they are read (the lake, OpenSearch) or in a query with COUNT',
      s.line,
    );
  }
  // The window and the grouping.
  let window: Record<string, string> | undefined;
  const groupBy: string[] = [];
  const addGroup = (e: Expr, where: string) => {
    const c = columnOf(e);
    if (c === undefined)
      throw new Untranslatable(`${where} on an expression: group by columns`, e.line ?? s.line);
    if (isRowtime(e)) return;
    const name = fieldName(c);
    groupedNames.add(name);
    if (!groupBy.includes(`dimensions.${name}`)) groupBy.push(`dimensions.${name}`);
  };
  if (s.stagger !== undefined) {
    if (s.stagger.range === undefined)
      throw new Untranslatable('WINDOWED BY STAGGER needs RANGE INTERVAL', s.stagger.line);
    window = { kind: 'stagger', size: duration(s.stagger.range, s.stagger.line) };
    for (const p of s.stagger.partition) {
      if (p.k === 'floor' || p.k === 'step') {
        note(
          'the time expression in PARTITION BY is dropped: a stagger window already opens at the key’s first event time',
        );
        continue;
      }
      addGroup(p, 'PARTITION BY');
    }
  }
  if (over !== undefined) {
    if (window !== undefined)
      throw new Untranslatable('OVER together with WINDOWED BY STAGGER', over.line);
    if (over.rows !== undefined) {
      throw new Untranslatable(
        'ROWS n PRECEDING (a window of the last n rows) has no event-time equivalent: use RANGE INTERVAL',
        over.line,
      );
    }
    if (over.range === undefined)
      throw new Untranslatable('a window without RANGE INTERVAL is unbounded', over.line);
    const sizeMs = over.range.n * UNIT_MS[over.range.unit]!;
    if (sizeMs === 0) throw new Untranslatable('RANGE CURRENT ROW has no equivalent', over.line);
    const slideMs = Math.max(1000, Math.floor(sizeMs / 6000) * 1000);
    window = {
      kind: 'sliding',
      size: duration(over.range, over.line),
      slide: formatDuration(Math.min(slideMs, sizeMs)),
    };
    note(
      `RANGE INTERVAL '${over.range.n}' ${over.range.unit} PRECEDING: KDA emits a row per input row over the preceding range; streamlens emits the range every ${window.slide} (the slide; lower it for finer output, at most 60 windows per event)`,
    );
    for (const p of over.partition) addGroup(p, 'PARTITION BY');
  }
  let floorUnit: string | undefined;
  let step: Interval | undefined;
  for (const g of s.groupBy) {
    if (g.k === 'floor') {
      if (g.unit === undefined || !(g.unit in UNIT_SUFFIX))
        throw new Untranslatable('FLOOR needs TO SECOND/MINUTE/HOUR/DAY', g.line);
      floorUnit = g.unit;
      if (!isRowtime(g.arg))
        note(
          `FLOOR(${columnOf(g.arg)?.text ?? 'expression'} TO ${g.unit}): streamlens windows use the event's own time field`,
        );
    } else if (g.k === 'step') {
      step = g.iv;
      if (isRowtime(g.arg))
        note(
          'STEP over ROWTIME (arrival time): streamlens windows are in event time, so late records are placed by when they happened',
        );
    } else addGroup(g, 'GROUP BY');
  }
  if (floorUnit !== undefined || step !== undefined) {
    if (window !== undefined)
      throw new Untranslatable('GROUP BY a time step together with another window', s.line);
    // With both (an event-time FLOOR and a ROWTIME STEP), the event-time unit is the window.
    const iv = floorUnit !== undefined ? { n: 1, unit: floorUnit } : step!;
    window = { kind: 'tumbling', size: duration(iv, s.line) };
  }
  if (window === undefined) {
    throw new Untranslatable(
      'aggregates without a window (GROUP BY STEP/FLOOR, OVER a RANGE, or WINDOWED BY STAGGER)',
      s.line,
    );
  }
  for (const item of s.items) {
    const e = item.e;
    if (e.k === 'call' || e.k === 'floor' || e.k === 'step' || isRowtime(e)) continue;
    const c = columnOf(e);
    if (c === undefined || !groupedNames.has(fieldName(c))) {
      note(
        `${c?.text ?? 'an expression'} in the SELECT list is neither grouped nor aggregated: dropped`,
      );
    }
  }
  // One query per metric column the aggregates read (a reading carries one metric's value).
  const metrics = [
    ...new Set(aggs.filter((a) => a.fn !== 'COUNT' && a.column).map((a) => fieldName(a.column!))),
  ];
  if (metrics.length > 1)
    note(`aggregates over ${metrics.length} columns (${metrics.join(', ')}): one query per metric`);
  const where = translateWhere(s.where, new Set(metrics));
  const out: RawQuery[] = [];
  for (const metric of metrics.length === 0 ? [undefined] : metrics) {
    const aggregates: Array<Record<string, unknown>> = [];
    const used = new Set<string>();
    for (const a of aggs) {
      const col = a.column === undefined ? undefined : fieldName(a.column);
      if (a.fn !== 'COUNT' && col !== metric) continue;
      let spec: Record<string, unknown>;
      if (a.fn === 'COUNT' && a.distinct && col !== undefined) {
        spec = { fn: 'distinct', field: metric === col ? 'value' : `dimensions.${col}` };
        spec.as = outputName(a.alias, `distinct_${col}`);
      } else if (a.fn === 'COUNT') {
        spec = { fn: 'count', as: outputName(a.alias, 'count') };
      } else {
        const fn = BASIC_AGGREGATES[a.fn]!;
        spec = { fn, as: outputName(a.alias, fn === 'avg' ? 'mean' : fn) };
      }
      if (used.has(spec.as as string)) {
        // Two outputs with one alias (legal in KDA's SELECT list): keep both, rename the second.
        const taken = spec.as as string;
        let renamed = spec.fn === 'avg' ? 'mean' : (spec.fn as string);
        for (let i = 2; used.has(renamed); i++) renamed = `${taken}_${i}`;
        note(`two outputs named ${taken}: the ${a.fn} is named ${renamed}`);
        spec.as = renamed;
      }
      used.add(spec.as as string);
      aggregates.push(spec);
    }
    const q: RawQuery = { name: metrics.length > 1 ? `${base}-${metric}` : base };
    const source: Record<string, unknown> = {};
    if (metric !== undefined) source.metric = metric;
    const preds = where
      .filter((p) => p.metric === undefined || p.metric === metric)
      .map((p) => p.pred);
    if (preds.length > 0) source.where = preds;
    if (Object.keys(source).length > 0) q.source = source;
    q.groupBy = groupBy;
    q.window = window;
    q.aggregates = aggregates;
    const having = translateHaving(s.having, s, aggregates);
    if (having.length > 0) q.having = having;
    out.push(q);
  }
  return out;
}

function stripLines(spec: WindowSpecAst): unknown {
  return JSON.parse(JSON.stringify(spec, (k, v) => (k === 'line' ? undefined : v)));
}

/** WHERE as a conjunction of simple predicates; each bound to a metric when it tests one. */
function translateWhere(
  where: Expr | undefined,
  metrics: Set<string>,
): Array<{ pred: Record<string, unknown>; metric: string | undefined }> {
  if (where === undefined) return [];
  const out: Array<{ pred: Record<string, unknown>; metric: string | undefined }> = [];
  const conj = conjunctsOf(where);
  const OPS = COMPARE_OPS;
  const FLIP: Record<string, string> = {
    lt: 'gt',
    le: 'ge',
    gt: 'lt',
    ge: 'le',
    eq: 'eq',
    ne: 'ne',
  };
  const field = (c: Ident) => {
    const name = fieldName(c);
    if (metrics.has(name)) return { field: 'value', metric: name };
    if (isRowtime({ k: 'col', parts: [c], line: 0 })) {
      throw new Untranslatable('a condition on ROWTIME: streamlens windows already bound time', 0);
    }
    return { field: `dimensions.${name}`, metric: undefined };
  };
  const literal = (e: Expr): string | number | undefined =>
    e.k === 'str' ? e.v : e.k === 'num' ? e.v : undefined;
  for (const c of conj) {
    const line = 'line' in c ? c.line : 0;
    if (c.k === 'bin' && c.op in OPS) {
      let col = columnOf(c.l);
      let lit = literal(c.r);
      let op = OPS[c.op]!;
      if (col === undefined) {
        col = columnOf(c.r);
        lit = literal(c.l);
        op = FLIP[op]!;
      }
      if (col === undefined || lit === undefined) {
        throw new Untranslatable(
          'WHERE compares two expressions: compare a column with a constant',
          line,
        );
      }
      const f = field(col);
      out.push({ pred: { field: f.field, op, value: lit }, metric: f.metric });
    } else if (c.k === 'bin' && c.op === 'LIKE') {
      const col = columnOf(c.l);
      if (col === undefined || c.r.k !== 'str')
        throw new Untranslatable('LIKE needs a column and a pattern', line);
      // SQL LIKE → glob: % any run, _ one character (a literal * or ? cannot be expressed).
      if (/[*?]/.test(c.r.v)) throw new Untranslatable('a LIKE pattern with * or ?', line);
      const f = field(col);
      out.push({
        pred: {
          field: f.field,
          op: 'matches',
          value: c.r.v.replaceAll('%', '*').replaceAll('_', '?'),
        },
        metric: f.metric,
      });
    } else if (c.k === 'in' && !c.negated) {
      const col = columnOf(c.e);
      const values = c.list.map(literal);
      if (col === undefined || values.some((v) => v === undefined))
        throw new Untranslatable('IN needs a column and constants', line);
      const f = field(col);
      out.push({ pred: { field: f.field, op: 'in', value: values }, metric: f.metric });
    } else {
      throw new Untranslatable(
        'WHERE with OR, NOT, NULL tests or expressions: only AND of column-versus-constant conditions translate (split an OR into two queries)',
        line,
      );
    }
  }
  return out;
}

/** HAVING as a conjunction of `aggregate op number`, naming the query's aggregates. */
function translateHaving(
  having: Expr | undefined,
  s: Select,
  aggregates: Array<Record<string, unknown>>,
): Array<Record<string, unknown>> {
  if (having === undefined) return [];
  const OPS = COMPARE_OPS;
  const out: Array<Record<string, unknown>> = [];
  const conj = conjunctsOf(having);
  for (const c of conj) {
    if (!(c.k === 'bin' && c.op in OPS && c.r.k === 'num')) {
      throw new Untranslatable(
        'HAVING translates as an AND of "aggregate op number"',
        'line' in c ? c.line : s.line,
      );
    }
    // The aggregate: the SELECT item with the same expression (or alias), then its output name.
    const idx = s.items.findIndex(
      (i) =>
        JSON.stringify(stripExpr(i.e)) === JSON.stringify(stripExpr(c.l)) ||
        (c.l.k === 'col' &&
          i.alias !== undefined &&
          key(i.alias) === key(c.l.parts[c.l.parts.length - 1]!)),
    );
    const item = idx >= 0 ? s.items[idx] : undefined;
    const target = item === undefined ? undefined : aggregateName(item, aggregates);
    if (target === undefined) {
      throw new Untranslatable('HAVING on an aggregate that is not in the SELECT list', c.line);
    }
    out.push({ aggregate: target, op: OPS[c.op], value: c.r.v });
  }
  return out;
}

function aggregateName(
  item: Select['items'][number],
  aggregates: Array<Record<string, unknown>>,
): string | undefined {
  if (item.e.k !== 'call') return undefined;
  const fn =
    item.e.name === 'COUNT'
      ? item.e.distinct
        ? 'distinct'
        : 'count'
      : BASIC_AGGREGATES[item.e.name];
  const wanted = item.alias === undefined ? undefined : outputName(item.alias, '');
  const hit = aggregates.find((a) => a.fn === fn && (wanted === undefined || a.as === wanted));
  return hit?.as as string | undefined;
}

function stripExpr(e: Expr): unknown {
  return JSON.parse(
    JSON.stringify(e, (k, v) =>
      k === 'line' ? undefined : k === 'text' && typeof v === 'string' ? v.toUpperCase() : v,
    ),
  );
}

/**
 * RANDOM_CUT_FOREST(_WITH_EXPLANATION): the anomaly detector (anomaly-alerts) scores every
 * series' windows; the query feeds it the statistics it scores.
 */
function translateDetector(
  s: Select,
  call: Extract<Expr, { k: 'call' }>,
  base: string,
  opts: TranslateOptions,
  note: (m: string) => void,
): RawQuery {
  const cursor = call.args[0];
  if (cursor?.k !== 'cursor')
    throw new Untranslatable(
      `${call.name} needs CURSOR(SELECT STREAM ...) as its first argument`,
      call.line,
    );
  const inner = cursor.select;
  if (inner.from.k !== 'stream')
    throw new Untranslatable('a detector over a table function', inner.line);
  const columns: string[] = [];
  for (const item of inner.items) {
    if (item.e.k === 'star') continue;
    const c = columnOf(item.e);
    if (c === undefined) {
      note(
        'an expression in the CURSOR (e.g. a normalisation) is dropped: the detector normalises each series against its own history',
      );
      continue;
    }
    columns.push(fieldName(c));
  }
  const source: Record<string, unknown> = {};
  const where = translateWhere(inner.where, new Set()).map((p) => p.pred);
  if (columns.length > 0) where.unshift({ field: 'metric', op: 'in', value: columns });
  if (where.length > 0) source.where = where;
  if (call.args.length > 1) {
    note(
      `${call.name} parameters (trees, sample size, time decay, shingle size) have no equivalent: the detector's settings are documented in docs/detector.md`,
    );
  }
  note(
    call.name === 'RANDOM_CUT_FOREST_WITH_EXPLANATION'
      ? 'RANDOM_CUT_FOREST_WITH_EXPLANATION → anomaly-alerts scores each window of each series; an alert.anomaly event carries the score and an explanation naming the statistics that moved and their direction (ANOMALY_EXPLANATION)'
      : 'RANDOM_CUT_FOREST → anomaly-alerts scores each window of each series (a score per window, not per record); anomalies are published as alert.anomaly events',
  );
  if (s.where !== undefined) {
    note('the WHERE on the detector’s output is dropped: anomaly-alerts decides when to alert');
  }
  // The default query's shape: per series, the statistics the detector scores.
  const { groupBy, window, aggregates } = defaultShapedQuery(base, opts.detectorWindow);
  const q: RawQuery = { name: base };
  if (Object.keys(source).length > 0) q.source = source;
  Object.assign(q, { groupBy, window, aggregates });
  return q;
}
