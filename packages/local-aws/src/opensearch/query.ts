/**
 * Query DSL evaluation of the OpenSearch stand-in: match (analysed: lowercase word tokens),
 * match_all, term, terms, ids, exists, range (numbers and dates), bool (must / filter / should /
 * must_not, minimum_should_match), and sort. Unknown clauses are rejected with a 400, as a real
 * cluster would for a malformed query, so that a typo cannot pass silently.
 */
import { LocalAwsError } from '../errors.js';
import { type FieldMapping, fieldMappingAt, isNumericType, parseDate } from './mapping.js';

/** A query the stand-in cannot run (answered as 400 `parsing_exception`). */
export class QueryError extends LocalAwsError {
  override name = 'QueryError';
}

/** A stored document as the query engine sees it. */
export interface SearchDoc {
  readonly index: string;
  readonly id: string;
  readonly source: Record<string, unknown>;
  readonly mapping: FieldMapping;
}

/** The standard analyser, roughly: lowercase runs of letters and digits. */
export function analyze(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}_]+/gu) ?? [];
}

/** Values at a dotted path (arrays flattened; `x.keyword` reads `x`). */
export function valuesAt(source: Record<string, unknown>, path: string): unknown[] {
  let current: unknown[] = [source];
  for (const part of path.split('.')) {
    const next: unknown[] = [];
    for (const c of current) {
      if (c === null || typeof c !== 'object' || Array.isArray(c)) continue;
      const obj = c as Record<string, unknown>;
      if (part in obj) {
        const v = obj[part];
        if (Array.isArray(v)) next.push(...v);
        else next.push(v);
      }
    }
    if (next.length === 0 && part === 'keyword') return current.filter((v) => v !== source);
    current = next;
  }
  return current.filter((v) => v !== undefined && v !== null);
}

function single(clause: unknown, kind: string): [string, unknown] {
  if (typeof clause !== 'object' || clause === null) throw new QueryError(`[${kind}] malformed`);
  const entries = Object.entries(clause as Record<string, unknown>).filter(
    ([k]) => k !== 'boost' && k !== '_name',
  );
  if (entries.length !== 1) throw new QueryError(`[${kind}] query doesn't support multiple fields`);
  return entries[0]!;
}

function typeOf(doc: SearchDoc, field: string): string | undefined {
  return fieldMappingAt(doc.mapping, field)?.type;
}

function scalarEquals(docValue: unknown, wanted: unknown, type: string | undefined): boolean {
  if (type === 'date') return parseDate(docValue) === parseDate(wanted);
  if (isNumericType(type)) return Number(docValue) === Number(wanted);
  if (typeof docValue === 'object') return false;
  return String(docValue) === String(wanted);
}

function termMatches(doc: SearchDoc, field: string, wanted: unknown): boolean {
  const type = typeOf(doc, field);
  const values = valuesAt(doc.source, field);
  if (type === 'text') {
    // A term query on a text field matches a single (already analysed) token.
    return values.some((v) => analyze(String(v)).includes(String(wanted)));
  }
  return values.some((v) => scalarEquals(v, wanted, type));
}

/** Evaluates `query` against `doc`; returns a score (> 0 when it matches) or 0. */
export function evaluate(query: unknown, doc: SearchDoc): number {
  if (query === undefined || query === null) return 1;
  if (typeof query !== 'object') throw new QueryError('query must be an object');
  const entries = Object.entries(query as Record<string, unknown>);
  if (entries.length !== 1) throw new QueryError('query must have exactly one clause');
  const [kind, clause] = entries[0]!;
  switch (kind) {
    case 'match_all':
      return 1;
    case 'match_none':
      return 0;
    case 'match':
    case 'match_phrase': {
      const [field, spec] = single(clause, kind);
      const q =
        typeof spec === 'object' && spec !== null
          ? (spec as Record<string, unknown>)
          : { query: spec };
      const type = typeOf(doc, field);
      const values = valuesAt(doc.source, field);
      if (type === undefined || type === 'text') {
        const wanted = analyze(String(q.query ?? ''));
        if (wanted.length === 0) return 0;
        const tokens = new Set(
          values.flatMap((v) => analyze(typeof v === 'object' ? JSON.stringify(v) : String(v))),
        );
        const hits = wanted.filter((t) => tokens.has(t)).length;
        const all = q.operator === 'and' || q.operator === 'AND' || kind === 'match_phrase';
        if (all ? hits < wanted.length : hits === 0) return 0;
        return hits / wanted.length;
      }
      return values.some((v) => scalarEquals(v, q.query, type)) ? 1 : 0;
    }
    case 'term': {
      const [field, spec] = single(clause, kind);
      const value =
        typeof spec === 'object' && spec !== null ? (spec as Record<string, unknown>).value : spec;
      return termMatches(doc, field, value) ? 1 : 0;
    }
    case 'terms': {
      const [field, list] = single(clause, kind);
      if (!Array.isArray(list)) throw new QueryError('[terms] query requires an array of values');
      return list.some((v) => termMatches(doc, field, v)) ? 1 : 0;
    }
    case 'ids': {
      const values = (clause as { values?: unknown }).values;
      if (!Array.isArray(values)) throw new QueryError('[ids] requires values');
      return values.map(String).includes(doc.id) ? 1 : 0;
    }
    case 'exists': {
      const field = (clause as { field?: unknown }).field;
      if (typeof field !== 'string') throw new QueryError('[exists] requires field');
      return valuesAt(doc.source, field).length > 0 ? 1 : 0;
    }
    case 'range': {
      const [field, spec] = single(clause, kind);
      if (typeof spec !== 'object' || spec === null) throw new QueryError('[range] malformed');
      const bounds = spec as Record<string, unknown>;
      const type = typeOf(doc, field);
      const asDate = type === 'date';
      const conv = (v: unknown): number | undefined =>
        asDate ? parseDate(v) : typeof v === 'number' ? v : Number(v);
      const ok = (raw: unknown): boolean => {
        const x = conv(raw);
        if (x === undefined || Number.isNaN(x)) {
          // Keyword ranges compare strings.
          if (type === 'keyword') {
            const s = String(raw);
            return (
              (bounds.gt === undefined || s > String(bounds.gt)) &&
              (bounds.gte === undefined || s >= String(bounds.gte)) &&
              (bounds.lt === undefined || s < String(bounds.lt)) &&
              (bounds.lte === undefined || s <= String(bounds.lte))
            );
          }
          return false;
        }
        const b = (k: string): number | undefined => {
          if (bounds[k] === undefined || bounds[k] === null) return undefined;
          const v = conv(bounds[k]);
          if (v === undefined || Number.isNaN(v)) {
            throw new QueryError(
              `failed to parse range bound [${String(bounds[k])}] of [${field}]`,
            );
          }
          return v;
        };
        const gt = b('gt');
        const gte = b('gte');
        const lt = b('lt');
        const lte = b('lte');
        return (
          (gt === undefined || x > gt) &&
          (gte === undefined || x >= gte) &&
          (lt === undefined || x < lt) &&
          (lte === undefined || x <= lte)
        );
      };
      return valuesAt(doc.source, field).some(ok) ? 1 : 0;
    }
    case 'bool': {
      const b = clause as Record<string, unknown>;
      const list = (x: unknown): unknown[] => (x === undefined ? [] : Array.isArray(x) ? x : [x]);
      let score = 0;
      for (const q of list(b.must)) {
        const s = evaluate(q, doc);
        if (s === 0) return 0;
        score += s;
      }
      for (const q of list(b.filter)) if (evaluate(q, doc) === 0) return 0;
      for (const q of list(b.must_not)) if (evaluate(q, doc) > 0) return 0;
      const should = list(b.should);
      let matchedShould = 0;
      for (const q of should) {
        const s = evaluate(q, doc);
        if (s > 0) {
          matchedShould++;
          score += s;
        }
      }
      const hasRequired = list(b.must).length + list(b.filter).length > 0;
      const minimum =
        b.minimum_should_match !== undefined
          ? Number(b.minimum_should_match)
          : should.length > 0 && !hasRequired
            ? 1
            : 0;
      if (matchedShould < minimum) return 0;
      return score > 0 ? score : 1;
    }
    default:
      throw new QueryError(`unknown query [${kind}]`);
  }
}

/** One sort key. */
interface SortKey {
  field: string;
  order: 'asc' | 'desc';
}

function sortKeys(sort: unknown): SortKey[] {
  if (sort === undefined) return [{ field: '_score', order: 'desc' }];
  const list = Array.isArray(sort) ? sort : [sort];
  return list.map((s): SortKey => {
    if (typeof s === 'string') {
      const [field, order] = s.split(':');
      return {
        field: field!,
        order: order === 'desc' || (field === '_score' && !order) ? 'desc' : 'asc',
      };
    }
    const [field, spec] = single(s, 'sort');
    const order = typeof spec === 'string' ? spec : (spec as { order?: string }).order;
    return {
      field,
      order:
        order === 'desc' ? 'desc' : order === 'asc' ? 'asc' : field === '_score' ? 'desc' : 'asc',
    };
  });
}

/** A hit with what sorting needs. */
export interface ScoredDoc {
  doc: SearchDoc;
  score: number;
  sort: unknown[];
}

function sortValue(hit: { doc: SearchDoc; score: number }, field: string): unknown {
  if (field === '_score') return hit.score;
  if (field === '_id') return hit.doc.id;
  if (field === '_doc') return 0;
  const v = valuesAt(hit.doc.source, field)[0];
  if (v === undefined) return undefined;
  const type = typeOf(hit.doc, field);
  if (type === 'date') return parseDate(v);
  if (isNumericType(type)) return Number(v);
  return v;
}

/** Matches, scores and sorts `docs` (stable: ties keep index then insertion order). */
export function runQuery(docs: readonly SearchDoc[], body: Record<string, unknown>): ScoredDoc[] {
  const keys = sortKeys(body.sort);
  const hits: ScoredDoc[] = [];
  for (const doc of docs) {
    const score = evaluate(body.query, doc);
    if (score <= 0) continue;
    hits.push({ doc, score, sort: [] });
  }
  for (const h of hits) h.sort = keys.map((k) => sortValue(h, k.field));
  hits.sort((a, b) => {
    for (let i = 0; i < keys.length; i++) {
      const x = a.sort[i];
      const y = b.sort[i];
      if (x === y) continue;
      // Missing values sort last in either order, as OpenSearch's default `missing: _last`.
      if (x === undefined) return 1;
      if (y === undefined) return -1;
      const cmp = (x as number | string) < (y as number | string) ? -1 : 1;
      return keys[i]!.order === 'desc' ? -cmp : cmp;
    }
    return 0;
  });
  return hits;
}
