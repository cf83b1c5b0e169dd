/**
 * Field mappings of the OpenSearch stand-in: explicit mappings from index templates, dynamic
 * mapping of unmapped fields (as OpenSearch does by default), and the checks that make a real
 * cluster reject a document (`mapper_parsing_exception`, `strict_dynamic_mapping_exception`,
 * total-fields and depth limits). Only what streamlens' documents exercise.
 */

/** One field's mapping (`properties` for objects). */
export interface FieldMapping {
  type?: string;
  properties?: Record<string, FieldMapping>;
  dynamic?: boolean | 'strict' | 'true' | 'false';
  fields?: Record<string, FieldMapping>;
  format?: string;
  [key: string]: unknown;
}

/** A rejected document: the error object `_bulk` returns for the item (status 400). */
export interface MappingFailure {
  type: string;
  reason: string;
}

const NUMERIC = new Set([
  'long',
  'integer',
  'short',
  'byte',
  'double',
  'float',
  'half_float',
  'scaled_float',
  'unsigned_long',
]);
const INTEGER = new Set(['long', 'integer', 'short', 'byte', 'unsigned_long']);

/** Whether `type` is numeric (range queries compare numbers). */
export function isNumericType(type: string | undefined): boolean {
  return type !== undefined && NUMERIC.has(type);
}

// OpenSearch's default dynamic date detection: strict_date_optional_time || yyyy/MM/dd ...
const DATE_LIKE =
  /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/** Parses a date value as OpenSearch's default `strict_date_optional_time||epoch_millis` would. */
export function parseDate(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value !== 'string') return undefined;
  if (/^-?\d+$/.test(value)) return Number(value);
  if (!DATE_LIKE.test(value)) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function dynamicOf(m: FieldMapping | undefined, inherited: string): string {
  if (m?.dynamic === undefined) return inherited;
  return String(m.dynamic);
}

/** Infers the mapping OpenSearch's dynamic mapping gives a new field. */
function inferMapping(value: unknown): FieldMapping | undefined {
  if (value === null || value === undefined) return undefined;
  if (Array.isArray(value)) {
    const first = value.find((v) => v !== null && v !== undefined);
    return first === undefined ? undefined : inferMapping(first);
  }
  if (typeof value === 'boolean') return { type: 'boolean' };
  if (typeof value === 'number') return { type: Number.isInteger(value) ? 'long' : 'float' };
  if (typeof value === 'string') {
    if (parseDate(value) !== undefined && DATE_LIKE.test(value)) return { type: 'date' };
    return { type: 'text', fields: { keyword: { type: 'keyword', ignore_above: 256 } } };
  }
  if (isPlainObject(value)) return { properties: {} };
  return undefined;
}

function fail(type: string, reason: string): MappingFailure {
  return { type, reason };
}

/** Checks one scalar against a leaf type; returns the failure or undefined. */
function checkLeaf(path: string, type: string, value: unknown): MappingFailure | undefined {
  if (value === null) return undefined;
  if (isPlainObject(value)) {
    if (type === 'flat_object' || type === 'object') return undefined;
    return fail(
      'mapper_parsing_exception',
      `failed to parse field [${path}] of type [${type}]. Preview of field's value: '${JSON.stringify(value).slice(0, 80)}'`,
    );
  }
  if (type === 'date') {
    if (parseDate(value) === undefined) {
      return fail(
        'mapper_parsing_exception',
        `failed to parse field [${path}] of type [date]. Preview of field's value: '${String(value).slice(0, 80)}'`,
      );
    }
  } else if (NUMERIC.has(type)) {
    const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : NaN;
    if (
      !Number.isFinite(n) ||
      (INTEGER.has(type) && typeof value === 'string' && !/^-?\d+$/.test(value))
    ) {
      return fail(
        'mapper_parsing_exception',
        `failed to parse field [${path}] of type [${type}]. Preview of field's value: '${String(value).slice(0, 80)}'`,
      );
    }
  } else if (type === 'boolean') {
    if (typeof value !== 'boolean' && value !== 'true' && value !== 'false') {
      return fail(
        'mapper_parsing_exception',
        `failed to parse field [${path}] of type [boolean]. Preview of field's value: '${String(value).slice(0, 80)}'`,
      );
    }
  }
  return undefined;
}

/** Limits read from index settings. */
export interface MappingLimits {
  totalFields: number;
  depth: number;
}

function countFields(props: Record<string, FieldMapping>): number {
  let n = 0;
  for (const m of Object.values(props)) {
    n++;
    if (m.properties) n += countFields(m.properties);
    if (m.fields) n += Object.keys(m.fields).length;
  }
  return n;
}

/**
 * Validates `doc` against `root` and returns the mapping with the dynamically added fields (a
 * copy: the caller commits it only when the document is accepted), or a failure.
 */
export function applyDocument(
  root: FieldMapping,
  doc: Record<string, unknown>,
  limits: MappingLimits,
): { ok: true; mapping: FieldMapping } | { ok: false; failure: MappingFailure } {
  const mapping = structuredClone(root);
  mapping.properties ??= {};
  let added = false;
  const walk = (
    props: Record<string, FieldMapping>,
    obj: Record<string, unknown>,
    prefix: string,
    depth: number,
    dynamic: string,
  ): MappingFailure | undefined => {
    if (depth > limits.depth) {
      return fail(
        'illegal_argument_exception',
        `Limit of mapping depth [${limits.depth}] has been exceeded due to object field [${prefix.slice(0, -1)}]`,
      );
    }
    for (const [key, value] of Object.entries(obj)) {
      const path = `${prefix}${key}`;
      let m = props[key];
      if (!m) {
        const inferred = inferMapping(value);
        if (!inferred) continue;
        if (dynamic === 'strict') {
          return fail(
            'strict_dynamic_mapping_exception',
            `mapping set to strict, dynamic introduction of [${key}] within [${prefix.slice(0, -1) || '_doc'}] is not allowed`,
          );
        }
        if (dynamic === 'false') continue; // kept in _source, not indexed
        props[key] = inferred;
        m = inferred;
        added = true;
      }
      const values = Array.isArray(value) ? value : [value];
      for (const v of values) {
        if (m.properties || m.type === 'object' || m.type === 'nested') {
          if (v === null) continue;
          if (!isPlainObject(v)) {
            return fail(
              'mapper_parsing_exception',
              `object mapping for [${path}] tried to parse field [${key}] as object, but found a concrete value`,
            );
          }
          m.properties ??= {};
          const failure = walk(m.properties, v, `${path}.`, depth + 1, dynamicOf(m, dynamic));
          if (failure) return failure;
        } else if (m.type) {
          const failure = checkLeaf(path, m.type, v);
          if (failure) return failure;
        }
      }
    }
    return undefined;
  };
  const failure = walk(mapping.properties, doc, '', 1, dynamicOf(mapping, 'true'));
  if (failure) return { ok: false, failure };
  if (added && countFields(mapping.properties) > limits.totalFields) {
    return {
      ok: false,
      failure: fail(
        'illegal_argument_exception',
        `Limit of total fields [${limits.totalFields}] has been exceeded`,
      ),
    };
  }
  return { ok: true, mapping };
}

/** The mapping of a dotted field path (`data.metric`, `message.keyword`), if any. */
export function fieldMappingAt(root: FieldMapping, path: string): FieldMapping | undefined {
  const parts = path.split('.');
  let props = root.properties;
  let current: FieldMapping | undefined;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (current?.type === 'flat_object') return { type: 'keyword' };
    if (current?.fields?.[part] && i === parts.length - 1) return current.fields[part];
    current = props?.[part];
    if (!current) return undefined;
    props = current.properties;
  }
  return current;
}
