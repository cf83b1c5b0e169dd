/**
 * Classifies the change between two versions of a JSON Schema, from the point of view of the
 * consumers of a published event type: a change is compatible when every event valid under the
 * old schema is still valid under the new one AND every field a consumer could rely on is still
 * there with the same meaning. Anything else is breaking and needs a new version of the type.
 *
 * Rules: optional field added, enum widened, constraint loosened → compatible; field removed
 * (a rename is a removal plus an addition), type changed, required field added, optional made
 * required, required made optional, enum narrowed, constraint tightened, closed to extra fields →
 * breaking.
 */

export type JsonSchema = boolean | { readonly [k: string]: unknown };

export const ChangeKind = {
  FIELD_ADDED_OPTIONAL: 'FIELD_ADDED_OPTIONAL',
  FIELD_ADDED_REQUIRED: 'FIELD_ADDED_REQUIRED',
  FIELD_REMOVED: 'FIELD_REMOVED',
  FIELD_MADE_REQUIRED: 'FIELD_MADE_REQUIRED',
  FIELD_MADE_OPTIONAL: 'FIELD_MADE_OPTIONAL',
  TYPE_CHANGED: 'TYPE_CHANGED',
  ENUM_WIDENED: 'ENUM_WIDENED',
  ENUM_NARROWED: 'ENUM_NARROWED',
  CONSTRAINT_LOOSENED: 'CONSTRAINT_LOOSENED',
  CONSTRAINT_TIGHTENED: 'CONSTRAINT_TIGHTENED',
  EXTRA_FIELDS_ALLOWED: 'EXTRA_FIELDS_ALLOWED',
  EXTRA_FIELDS_FORBIDDEN: 'EXTRA_FIELDS_FORBIDDEN',
  ANNOTATION_CHANGED: 'ANNOTATION_CHANGED',
} as const;
export type ChangeKind = (typeof ChangeKind)[keyof typeof ChangeKind];

const BREAKING: ReadonlySet<ChangeKind> = new Set<ChangeKind>([
  ChangeKind.FIELD_ADDED_REQUIRED,
  ChangeKind.FIELD_REMOVED,
  ChangeKind.FIELD_MADE_REQUIRED,
  ChangeKind.FIELD_MADE_OPTIONAL,
  ChangeKind.TYPE_CHANGED,
  ChangeKind.ENUM_NARROWED,
  ChangeKind.CONSTRAINT_TIGHTENED,
  ChangeKind.EXTRA_FIELDS_FORBIDDEN,
]);

export interface SchemaChange {
  kind: ChangeKind;
  /** JSON path of the schema location, in instance terms: `$.data.dimensions`. */
  path: string;
  breaking: boolean;
  detail: string;
}

export type Compatibility = 'identical' | 'compatible' | 'breaking';

export interface ChangeReport {
  compatibility: Compatibility;
  changes: SchemaChange[];
}

type Node = { readonly [k: string]: unknown };

function asNode(s: unknown): Node {
  if (s === true || s === undefined) return {};
  if (s === false) return { not: {} };
  return (typeof s === 'object' && s !== null ? s : {}) as Node;
}

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (typeof v === 'object' && v !== null) {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

function typesOf(n: Node): string[] | undefined {
  const t = n.type;
  if (typeof t === 'string') return [t];
  if (Array.isArray(t)) return [...t].map(String).sort();
  return undefined;
}

function valuesOf(n: Node): unknown[] | undefined {
  if (Array.isArray(n.enum)) return n.enum;
  if ('const' in n) return [n.const];
  return undefined;
}

const LOWER_BOUNDS = [
  'minimum',
  'exclusiveMinimum',
  'minLength',
  'minItems',
  'minProperties',
] as const;
const UPPER_BOUNDS = [
  'maximum',
  'exclusiveMaximum',
  'maxLength',
  'maxItems',
  'maxProperties',
] as const;
const EXACT = ['pattern', 'format', 'multipleOf'] as const;
const ANNOTATIONS = new Set([
  'title',
  'description',
  '$id',
  '$schema',
  'examples',
  'default',
  'x-streamlens-version',
]);

function child(path: string, key: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key)
    ? `${path}.${key}`
    : `${path}[${JSON.stringify(key)}]`;
}

function requiredOf(n: Node): Set<string> {
  return new Set(Array.isArray(n.required) ? n.required.map(String) : []);
}

function compare(beforeS: unknown, afterS: unknown, path: string, out: SchemaChange[]): void {
  const before = asNode(beforeS);
  const after = asNode(afterS);
  if (canonical(before) === canonical(after)) return;
  const add = (kind: ChangeKind, detail: string, at = path): void => {
    out.push({ kind, path: at, breaking: BREAKING.has(kind), detail });
  };

  const tb = typesOf(before);
  const ta = typesOf(after);
  if (canonical(tb) !== canonical(ta)) {
    add(ChangeKind.TYPE_CHANGED, `type ${canonical(tb ?? 'any')} → ${canonical(ta ?? 'any')}`);
    return;
  }

  const vb = valuesOf(before);
  const va = valuesOf(after);
  if (vb !== undefined || va !== undefined) {
    if (va !== undefined && vb === undefined)
      add(ChangeKind.ENUM_NARROWED, 'values restricted to an enum');
    else if (va === undefined) add(ChangeKind.ENUM_WIDENED, 'enum restriction removed');
    else {
      const setA = new Set(va.map(canonical));
      const setB = new Set((vb ?? []).map(canonical));
      const removed = [...setB].filter((v) => !setA.has(v));
      const added = [...setA].filter((v) => !setB.has(v));
      if (removed.length > 0)
        add(ChangeKind.ENUM_NARROWED, `values removed: ${removed.join(', ')}`);
      if (added.length > 0) add(ChangeKind.ENUM_WIDENED, `values added: ${added.join(', ')}`);
    }
  }

  for (const k of LOWER_BOUNDS) {
    const b = before[k] as number | undefined;
    const a = after[k] as number | undefined;
    if (b === a) continue;
    if (a !== undefined && (b === undefined || a > b))
      add(ChangeKind.CONSTRAINT_TIGHTENED, `${k} ${b} → ${a}`);
    else add(ChangeKind.CONSTRAINT_LOOSENED, `${k} ${b} → ${a}`);
  }
  for (const k of UPPER_BOUNDS) {
    const b = before[k] as number | undefined;
    const a = after[k] as number | undefined;
    if (b === a) continue;
    if (a !== undefined && (b === undefined || a < b))
      add(ChangeKind.CONSTRAINT_TIGHTENED, `${k} ${b} → ${a}`);
    else add(ChangeKind.CONSTRAINT_LOOSENED, `${k} ${b} → ${a}`);
  }
  for (const k of EXACT) {
    const b = before[k];
    const a = after[k];
    if (canonical(b) === canonical(a)) continue;
    if (a === undefined) add(ChangeKind.CONSTRAINT_LOOSENED, `${k} removed`);
    else add(ChangeKind.CONSTRAINT_TIGHTENED, `${k} ${canonical(b)} → ${canonical(a)}`);
  }

  // Object properties.
  const pb = (before.properties ?? {}) as Record<string, unknown>;
  const pa = (after.properties ?? {}) as Record<string, unknown>;
  const rb = requiredOf(before);
  const ra = requiredOf(after);
  for (const key of Object.keys(pb)) {
    const at = child(path, key);
    if (!Object.hasOwn(pa, key)) {
      add(ChangeKind.FIELD_REMOVED, `field ${key} removed (or renamed)`, at);
      continue;
    }
    if (!rb.has(key) && ra.has(key))
      add(ChangeKind.FIELD_MADE_REQUIRED, `field ${key} is now required`, at);
    if (rb.has(key) && !ra.has(key))
      add(ChangeKind.FIELD_MADE_OPTIONAL, `field ${key} is now optional`, at);
    compare(pb[key], pa[key], at, out);
  }
  for (const key of Object.keys(pa)) {
    if (Object.hasOwn(pb, key)) continue;
    const at = child(path, key);
    if (ra.has(key)) add(ChangeKind.FIELD_ADDED_REQUIRED, `required field ${key} added`, at);
    else add(ChangeKind.FIELD_ADDED_OPTIONAL, `optional field ${key} added`, at);
  }
  // `required` naming a key without a property schema.
  for (const key of ra) {
    if (!rb.has(key) && !Object.hasOwn(pa, key) && !Object.hasOwn(pb, key)) {
      add(ChangeKind.FIELD_ADDED_REQUIRED, `required field ${key} added`, child(path, key));
    }
  }

  // Extra properties / maps.
  const ab = before.additionalProperties;
  const aa = after.additionalProperties;
  if (canonical(ab) !== canonical(aa)) {
    if (aa === false)
      add(ChangeKind.EXTRA_FIELDS_FORBIDDEN, 'additional properties no longer allowed');
    else if (ab === false)
      add(ChangeKind.EXTRA_FIELDS_ALLOWED, 'additional properties now allowed');
    else compare(ab, aa, `${path}[*]`, out);
  }
  if (canonical(before.propertyNames) !== canonical(after.propertyNames)) {
    compare(before.propertyNames, after.propertyNames, `${path}{key}`, out);
  }
  if (canonical(before.items) !== canonical(after.items))
    compare(before.items, after.items, `${path}[*]`, out);

  // Unions: every old branch must still be there; new branches only widen.
  for (const k of ['anyOf', 'oneOf'] as const) {
    const bb = Array.isArray(before[k]) ? (before[k] as unknown[]).map(canonical) : [];
    const ba = Array.isArray(after[k]) ? (after[k] as unknown[]).map(canonical) : [];
    const setA = new Set(ba);
    const setB = new Set(bb);
    const removed = bb.filter((b) => !setA.has(b));
    const added = ba.filter((a) => !setB.has(a));
    if (removed.length > 0) add(ChangeKind.TYPE_CHANGED, `${k} lost ${removed.length} branch(es)`);
    if (added.length > 0) add(ChangeKind.ENUM_WIDENED, `${k} gained ${added.length} branch(es)`);
  }

  const handled = new Set<string>([
    'type',
    'enum',
    'const',
    ...LOWER_BOUNDS,
    ...UPPER_BOUNDS,
    ...EXACT,
    'properties',
    'required',
    'additionalProperties',
    'propertyNames',
    'items',
    'anyOf',
    'oneOf',
  ]);
  for (const k of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (handled.has(k) || canonical(before[k]) === canonical(after[k])) continue;
    if (ANNOTATIONS.has(k)) add(ChangeKind.ANNOTATION_CHANGED, `${k} changed`);
    // An unknown keyword changed: assume the worst.
    else add(ChangeKind.CONSTRAINT_TIGHTENED, `keyword ${k} changed`);
  }
}

/**
 * Classifies the change from `before` to `after`.
 *
 * @example
 * classifySchemaChange(published, current).compatibility // 'identical' | 'compatible' | 'breaking'
 */
export function classifySchemaChange(before: JsonSchema, after: JsonSchema): ChangeReport {
  const changes: SchemaChange[] = [];
  compare(before, after, '$', changes);
  const compatibility: Compatibility =
    changes.length === 0
      ? 'identical'
      : changes.some((c) => c.breaking)
        ? 'breaking'
        : 'compatible';
  return { compatibility, changes };
}
