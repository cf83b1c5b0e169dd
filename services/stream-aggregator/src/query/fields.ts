import type { FieldRef, Predicate, Query } from '@streamlens/query';
import type { Observation } from '../domain/types.js';

/** A field's value on an observation; undefined for a dimension the event does not carry. */
export function fieldOf(obs: Observation, f: FieldRef): string | number | undefined {
  switch (f.kind) {
    case 'value':
      return obs.value;
    case 'metric':
      return obs.metric;
    case 'type':
      return obs.kind;
    case 'series':
      return obs.series;
    default:
      // Own properties only: a dimension named `__proto__` or `constructor` is not inherited.
      return Object.hasOwn(obs.dimensions, f.name) ? obs.dimensions[f.name] : undefined;
  }
}

/**
 * A glob (`*` any run, `?` one character, everything else literal) as an anchored RegExp. Its
 * only quantifier is a lazy-free `.*` between literals, matched by V8 in linear time for the short
 * names it sees (metric names and dimension values are at most 256 characters).
 */
export function globRegExp(glob: string): RegExp {
  let src = '';
  for (const ch of glob) {
    if (ch === '*') src += '.*';
    else if (ch === '?') src += '.';
    else src += ch.replace(/[\\^$.|+()[\]{}]/g, '\\$&');
  }
  return new RegExp(`^${src}$`, 's');
}

/** The source filter of a query as one function (compiled once per query). */
export function compileFilter(q: Query): (obs: Observation) => boolean {
  const types = q.source.types;
  const metric = q.source.metric;
  const metricTest =
    metric === undefined
      ? undefined
      : /[*?]/.test(metric)
        ? (
            (re: RegExp) => (m: string) =>
              re.test(m)
          )(globRegExp(metric))
        : (m: string) => m === metric;
  const preds = q.source.where.map(compilePredicate);
  return (obs) => {
    if (types !== undefined && !types.includes(obs.kind)) return false;
    if (metricTest !== undefined && !metricTest(obs.metric)) return false;
    for (const p of preds) if (!p(obs)) return false;
    return true;
  };
}

function compilePredicate(p: Predicate): (obs: Observation) => boolean {
  const f = p.field;
  if (p.op === 'in') {
    const set = new Set<string | number>(p.values);
    return (obs) => {
      const v = fieldOf(obs, f);
      return v !== undefined && set.has(v);
    };
  }
  if (p.op === 'matches') {
    const re = globRegExp(p.pattern);
    return (obs) => {
      const v = fieldOf(obs, f);
      return v !== undefined && re.test(String(v));
    };
  }
  const want = p.value;
  const op = p.op;
  return (obs) => {
    const v = fieldOf(obs, f);
    // A missing field satisfies only `ne`; values of different types compare as unequal.
    if (v === undefined || typeof v !== typeof want) return op === 'ne';
    return compare(v, op, want);
  };
}

export function compare<T extends string | number>(a: T, op: string, b: T): boolean {
  switch (op) {
    case 'eq':
      return a === b;
    case 'ne':
      return a !== b;
    case 'lt':
      return a < b;
    case 'le':
      return a <= b;
    case 'gt':
      return a > b;
    default:
      return a >= b;
  }
}

/**
 * The group of an observation: the grouped fields' values (missing dimensions are empty strings)
 * and a key joining them unambiguously (JSON of the array).
 */
export function groupOf(obs: Observation, groupBy: readonly FieldRef[]): string[] {
  const out: string[] = [];
  for (const f of groupBy) {
    const v = fieldOf(obs, f);
    out.push(v === undefined ? '' : String(v));
  }
  return out;
}

/** A string naming the group of an observation, without building its values (the hot path). */
export function groupKeyOf(obs: Observation, groupBy: readonly FieldRef[]): string {
  if (groupBy.length === 0) return '';
  if (groupBy.length === 1) {
    const v = fieldOf(obs, groupBy[0]!);
    return v === undefined ? '' : String(v);
  }
  let key = '';
  for (const f of groupBy) {
    const v = fieldOf(obs, f);
    const text = v === undefined ? '' : String(v);
    // Length-prefixed: distinct value lists always give distinct keys, whatever they contain.
    key += `${text.length}:${text}`;
  }
  return key;
}
