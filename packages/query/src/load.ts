import { Ajv, type ErrorObject } from 'ajv';
import { type Document, isMap, isSeq, LineCounter, parseDocument } from 'yaml';
import { parseDuration } from './duration.js';
import {
  type AggregateSpec,
  type CompareOp,
  type FieldRef,
  type Predicate,
  parseFieldRef,
  type Query,
  type QueryFile,
  type WindowSpec,
} from './model.js';
import { QUERY_FILE_SCHEMA } from './schema.js';

/** A problem in a query file, at a 1-based line and column (0 when the file is empty). */
export type QueryFileError = { line: number; col: number; path: string; message: string };

export class QueryFileInvalid extends Error {
  readonly errors: QueryFileError[];

  constructor(
    readonly source: string,
    errors: QueryFileError[],
  ) {
    const sorted = [...errors].sort((a, b) => a.line - b.line || a.col - b.col);
    super(
      `${source}: ${sorted.map((e) => `line ${e.line}:${e.col} ${e.path}: ${e.message}`).join('; ')}`,
    );
    this.name = 'QueryFileInvalid';
    this.errors = sorted;
  }
}

/** Largest query file read (a deployment artefact, not input from the stream). */
export const MAX_QUERY_FILE_BYTES = 256 * 1024;

// Compiled once per process: compilation is the expensive part (docs/queries.md: validation).
let compiled: ReturnType<Ajv['compile']> | undefined;
function validator(): ReturnType<Ajv['compile']> {
  compiled ??= new Ajv({ allErrors: true, strict: true, allowUnionTypes: true }).compile(
    QUERY_FILE_SCHEMA,
  );
  return compiled;
}

/**
 * Parses and validates a query file. Throws {@link QueryFileInvalid} listing every problem with
 * its line: YAML syntax, the JSON Schema, then what a schema cannot say (unique names, HAVING on
 * an existing aggregate, a slide no longer than its window).
 */
export function parseQueryFile(text: string, source = 'queries.yaml'): QueryFile {
  if (Buffer.byteLength(text) > MAX_QUERY_FILE_BYTES) {
    throw new QueryFileInvalid(source, [
      { line: 0, col: 0, path: '', message: `larger than ${MAX_QUERY_FILE_BYTES} bytes` },
    ]);
  }
  const lines = new LineCounter();
  // Aliases are refused rather than expanded: a query file has no use for them, and expanding
  // nested aliases is the "billion laughs" blow-up.
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number | undefined) => {
    if (offset === undefined) return { line: 0, col: 0 };
    const p = lines.linePos(offset);
    return { line: p.line, col: p.col };
  };
  const yamlErrors = doc.errors.map((e) => ({ ...at(e.pos[0]), path: '', message: e.message }));
  if (yamlErrors.length > 0) throw new QueryFileInvalid(source, yamlErrors);
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 0 });
  } catch (error) {
    throw new QueryFileInvalid(source, [
      { line: 0, col: 0, path: '', message: (error as Error).message },
    ]);
  }
  const validate = validator();
  if (!validate(data)) {
    throw new QueryFileInvalid(
      source,
      schemaErrors(validate.errors ?? []).map((e) => ({
        ...at(offsetOf(doc, locationOf(e))),
        path: e.instancePath || '/',
        message: messageOf(e),
      })),
    );
  }
  const problems: Array<{ path: string; message: string }> = [];
  const file = build(data as RawFile, problems);
  if (problems.length > 0) {
    throw new QueryFileInvalid(
      source,
      problems.map((p) => ({ ...at(offsetOf(doc, p.path)), ...p })),
    );
  }
  return file;
}

/**
 * One error per place: `oneOf` over the window kinds reports every branch; keep the branch whose
 * `kind` matches (its errors name the real problem) or, failing that, the `oneOf` itself.
 */
function schemaErrors(errors: ErrorObject[]): ErrorObject[] {
  const out: ErrorObject[] = [];
  const seen = new Set<string>();
  for (const e of errors) {
    if (e.keyword === 'oneOf' || e.schemaPath.includes('/oneOf/')) continue;
    const key = `${e.instancePath}|${messageOf(e)}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(e);
  }
  // A window that matched no kind: say which kinds and fields exist.
  for (const e of errors) {
    if (e.keyword === 'oneOf' && !seen.has(e.instancePath)) {
      seen.add(e.instancePath);
      out.push({
        ...e,
        message:
          'must be one of {kind: tumbling, size}, {kind: sliding, size, slide}, {kind: stagger, size}, {kind: session, gap}',
      });
    }
  }
  return out;
}

/** Where to point: at an unknown field itself rather than at the object holding it. */
function locationOf(e: ErrorObject): string {
  if (e.keyword !== 'additionalProperties') return e.instancePath;
  const key = (e.params as { additionalProperty: string }).additionalProperty;
  return `${e.instancePath}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`;
}

function messageOf(e: ErrorObject): string {
  if (e.keyword === 'additionalProperties') {
    return `unknown field "${(e.params as { additionalProperty: string }).additionalProperty}"`;
  }
  if (e.keyword === 'enum') {
    return `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')}`;
  }
  return e.message ?? e.keyword;
}

/** Source offset of the node at a JSON pointer, or of its nearest existing ancestor. */
function offsetOf(doc: Document, pointer: string): number | undefined {
  const path = pointer
    .split('/')
    .slice(1)
    .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
  for (let n = path.length; n >= 0; n--) {
    const keys = path.slice(0, n).map((k, i) => {
      const parent = doc.getIn(path.slice(0, i), true);
      return isSeq(parent) ? Number(k) : k;
    });
    const node = keys.length === 0 ? doc.contents : doc.getIn(keys, true);
    if (node !== undefined && node !== null && typeof node === 'object' && 'range' in node) {
      const range = (node as { range?: [number, number, number] }).range;
      if (range) return range[0];
    }
    if (isMap(node) || isSeq(node)) return (node as { range?: [number] }).range?.[0];
  }
  return undefined;
}

type RawAggregate = { fn: string; q?: number; field?: string; k?: number; as?: string };
type RawQuery = {
  name: string;
  source?: {
    type?: Array<'telemetry' | 'log'>;
    metric?: string;
    where?: Array<{ field: string; op: string; value?: unknown }>;
  };
  groupBy?: string[];
  window: { kind: string; size?: string; slide?: string; gap?: string };
  aggregates: RawAggregate[];
  having?: Array<{ aggregate: string; op: CompareOp; value: number }>;
};
type RawFile = { version: 1; queries: RawQuery[] };

function build(raw: RawFile, problems: Array<{ path: string; message: string }>): QueryFile {
  const names = new Set<string>();
  const queries = raw.queries.map((rq, qi): Query => {
    const base = `/queries/${qi}`;
    if (names.has(rq.name))
      problems.push({ path: `${base}/name`, message: `duplicate query name "${rq.name}"` });
    names.add(rq.name);
    const where = (rq.source?.where ?? []).map((w, wi) =>
      predicateOf(w, `${base}/source/where/${wi}`, problems),
    );
    const aggregates = rq.aggregates.map((a, ai) =>
      aggregateOf(a, `${base}/aggregates/${ai}`, problems),
    );
    const outputs = new Set<string>();
    aggregates.forEach((a, ai) => {
      if (outputs.has(a.as)) {
        problems.push({
          path: `${base}/aggregates/${ai}`,
          message: `duplicate output name "${a.as}" (set "as")`,
        });
      }
      outputs.add(a.as);
    });
    const having = (rq.having ?? []).map((h, hi) => {
      if (!outputs.has(h.aggregate)) {
        problems.push({
          path: `${base}/having/${hi}/aggregate`,
          message: `no aggregate named "${h.aggregate}" (have: ${[...outputs].join(', ')})`,
        });
      }
      return { aggregate: h.aggregate, op: h.op, value: h.value };
    });
    return {
      name: rq.name,
      source: { types: rq.source?.type, metric: rq.source?.metric, where },
      groupBy: (rq.groupBy ?? ['series']).map((g) => parseFieldRef(g)!),
      window: windowOf(rq.window, `${base}/window`, problems),
      aggregates,
      having,
    };
  });
  return { version: 1, queries };
}

function windowOf(
  w: RawQuery['window'],
  path: string,
  problems: Array<{ path: string; message: string }>,
): WindowSpec {
  const ms = (s: string | undefined) => parseDuration(s ?? '') ?? 0;
  switch (w.kind) {
    case 'sliding': {
      const sizeMs = ms(w.size);
      const slideMs = ms(w.slide);
      if (slideMs > sizeMs)
        problems.push({ path: `${path}/slide`, message: 'slide must not exceed size' });
      else if (sizeMs / slideMs > 60) {
        // Each event is in size/slide windows: bound the work per event.
        problems.push({ path: `${path}/slide`, message: 'size / slide must be at most 60' });
      }
      return { kind: 'sliding', sizeMs, slideMs };
    }
    case 'stagger':
      return { kind: 'stagger', sizeMs: ms(w.size) };
    case 'session':
      return { kind: 'session', gapMs: ms(w.gap) };
    default:
      return { kind: 'tumbling', sizeMs: ms(w.size) };
  }
}

function predicateOf(
  w: { field: string; op: string; value?: unknown },
  path: string,
  problems: Array<{ path: string; message: string }>,
): Predicate {
  const field = parseFieldRef(w.field) as FieldRef;
  if (w.op === 'in') {
    if (!Array.isArray(w.value)) problems.push({ path, message: '"in" takes a list in "value"' });
    return { field, op: 'in', values: Array.isArray(w.value) ? w.value : [] };
  }
  if (typeof w.value !== 'string' && typeof w.value !== 'number') {
    problems.push({ path, message: `"${w.op}" takes one string or number in "value"` });
    return { field, op: 'eq', value: '' };
  }
  if (w.op === 'matches') {
    if (typeof w.value !== 'string')
      problems.push({ path, message: '"matches" takes a glob string' });
    return { field, op: 'matches', pattern: String(w.value) };
  }
  return { field, op: w.op as CompareOp, value: w.value };
}

const DEFAULT_NAME: Record<string, string> = {
  count: 'count',
  sum: 'sum',
  min: 'min',
  max: 'max',
  avg: 'mean',
};

function aggregateOf(
  a: RawAggregate,
  path: string,
  problems: Array<{ path: string; message: string }>,
): AggregateSpec {
  const need = (key: 'q' | 'field' | 'k') => {
    if (a[key] === undefined) problems.push({ path, message: `"${a.fn}" needs "${key}"` });
  };
  const refuse = (...keys: Array<'q' | 'field' | 'k'>) => {
    for (const key of keys) {
      if (a[key] !== undefined)
        problems.push({ path: `${path}/${key}`, message: `"${a.fn}" takes no "${key}"` });
    }
  };
  switch (a.fn) {
    case 'quantile': {
      need('q');
      refuse('field', 'k');
      const q = a.q ?? 0.5;
      return {
        fn: 'quantile',
        q,
        as: a.as ?? `p${String(Math.round(q * 1000) / 10).replace('.', '_')}`,
      };
    }
    case 'distinct': {
      need('field');
      refuse('q', 'k');
      const field = parseFieldRef(a.field ?? 'value')!;
      return {
        fn: 'distinct',
        field,
        as: a.as ?? `distinct_${field.kind === 'dimension' ? field.name : field.kind}`,
      };
    }
    case 'topk': {
      need('field');
      refuse('q');
      const field = parseFieldRef(a.field ?? 'value')!;
      return {
        fn: 'topk',
        field,
        k: a.k ?? 10,
        as: a.as ?? `top_${field.kind === 'dimension' ? field.name : field.kind}`,
      };
    }
    default:
      refuse('q', 'field', 'k');
      return { fn: a.fn as 'count', as: a.as ?? DEFAULT_NAME[a.fn]! };
  }
}
