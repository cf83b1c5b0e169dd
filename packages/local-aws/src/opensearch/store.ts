/**
 * In-memory indices of the OpenSearch stand-in: index templates (matched by pattern, highest
 * priority wins, mappings/settings/aliases applied at index creation), index auto-creation,
 * documents with versions and sequence numbers, aliases and wildcard index expressions.
 * Documents are searchable at once (as if every write were followed by a refresh).
 */
import { applyDocument, type FieldMapping, type MappingFailure } from './mapping.js';
import type { SearchDoc } from './query.js';

/** A stored index template (`PUT _index_template/<name>` body). */
export interface IndexTemplate {
  index_patterns: string[];
  priority?: number;
  template?: {
    settings?: Record<string, unknown>;
    mappings?: FieldMapping;
    aliases?: Record<string, unknown>;
  };
  [key: string]: unknown;
}

interface StoredDoc {
  source: Record<string, unknown>;
  version: number;
  seqNo: number;
}

/** One index. */
export interface Index {
  readonly name: string;
  mapping: FieldMapping;
  readonly settings: Record<string, unknown>;
  readonly docs: Map<string, StoredDoc>;
  readonly aliases: Set<string>;
  readonly uuid: string;
  seqNo: number;
}

/** Result of one write. */
export type WriteResult =
  | {
      ok: true;
      status: 200 | 201;
      result: 'created' | 'updated' | 'deleted';
      version: number;
      seqNo: number;
    }
  | { ok: false; status: number; error: MappingFailure };

/** Matches `name` against an index pattern with `*` wildcards. */
export function matchesPattern(pattern: string, name: string): boolean {
  const re = new RegExp(
    `^${pattern
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
  return re.test(name);
}

function flatSetting(settings: Record<string, unknown>, key: string): unknown {
  // Settings may be given nested ({ index: { mapping: ... } }) or dotted ('index.mapping...').
  if (key in settings) return settings[key];
  const parts = key.split('.');
  let cur: unknown = settings;
  for (let i = 0; i < parts.length; i++) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    const obj = cur as Record<string, unknown>;
    const rest = parts.slice(i).join('.');
    if (rest in obj) return obj[rest];
    cur = obj[parts[i]!];
  }
  return cur;
}

let uuidCounter = 0;

/** The documents and indices of one stand-in. */
export class Store {
  readonly templates = new Map<string, IndexTemplate>();
  readonly indices = new Map<string, Index>();

  /** Creates `name` from the matching templates (no-op if it exists). */
  ensureIndex(
    name: string,
    body: { settings?: Record<string, unknown>; mappings?: FieldMapping } = {},
  ): Index {
    const existing = this.indices.get(name);
    if (existing) return existing;
    const matching = [...this.templates.values()]
      .filter((t) => t.index_patterns.some((p) => matchesPattern(p, name)))
      .sort((a, b) => (b.priority ?? 0) - (a.priority ?? 0));
    const template = matching[0]?.template ?? {};
    const index: Index = {
      name,
      mapping: structuredClone(body.mappings ?? template.mappings ?? { properties: {} }),
      settings: { ...(template.settings ?? {}), ...(body.settings ?? {}) },
      docs: new Map(),
      aliases: new Set(Object.keys(template.aliases ?? {})),
      uuid: `sl-${++uuidCounter}`,
      seqNo: -1,
    };
    this.indices.set(name, index);
    return index;
  }

  /** Index names an expression (comma list, wildcards, aliases, `_all`) resolves to. */
  resolve(expression: string | undefined): Index[] {
    if (!expression || expression === '_all' || expression === '*')
      return [...this.indices.values()];
    const out = new Set<Index>();
    for (const part of expression.split(',')) {
      for (const index of this.indices.values()) {
        if (
          matchesPattern(part, index.name) ||
          [...index.aliases].some((a) => matchesPattern(part, a))
        ) {
          out.add(index);
        }
      }
    }
    return [...out];
  }

  /** Whether an expression names something that exists (for 404 index_not_found). */
  exists(expression: string): boolean {
    return expression.split(',').every((p) => p.includes('*') || this.resolve(p).length > 0);
  }

  private limits(index: Index) {
    const total = Number(flatSetting(index.settings, 'index.mapping.total_fields.limit') ?? 1000);
    const depth = Number(flatSetting(index.settings, 'index.mapping.depth.limit') ?? 20);
    return { totalFields: total, depth };
  }

  /** `index` or `create` one document. */
  write(indexName: string, id: string, source: unknown, op: 'index' | 'create'): WriteResult {
    if (typeof source !== 'object' || source === null || Array.isArray(source)) {
      return {
        ok: false,
        status: 400,
        error: {
          type: 'mapper_parsing_exception',
          reason: 'failed to parse, document is empty or not an object',
        },
      };
    }
    const index = this.ensureIndex(indexName);
    const current = index.docs.get(id);
    if (op === 'create' && current) {
      return {
        ok: false,
        status: 409,
        error: {
          type: 'version_conflict_engine_exception',
          reason: `[${id}]: version conflict, document already exists (current version [${current.version}])`,
        },
      };
    }
    const applied = applyDocument(
      index.mapping,
      source as Record<string, unknown>,
      this.limits(index),
    );
    if (!applied.ok) return { ok: false, status: 400, error: applied.failure };
    index.mapping = applied.mapping;
    const version = (current?.version ?? 0) + 1;
    index.seqNo++;
    index.docs.set(id, {
      source: structuredClone(source as Record<string, unknown>),
      version,
      seqNo: index.seqNo,
    });
    return current
      ? { ok: true, status: 200, result: 'updated', version, seqNo: index.seqNo }
      : { ok: true, status: 201, result: 'created', version, seqNo: index.seqNo };
  }

  /** Deletes one document (404 `not_found` result when absent). */
  delete(
    indexName: string,
    id: string,
  ): WriteResult | { ok: true; status: 404; result: 'not_found'; version: number; seqNo: number } {
    const index = this.ensureIndex(indexName);
    const current = index.docs.get(id);
    if (!current)
      return { ok: true, status: 404, result: 'not_found', version: 1, seqNo: index.seqNo };
    index.docs.delete(id);
    index.seqNo++;
    return {
      ok: true,
      status: 200,
      result: 'deleted',
      version: current.version + 1,
      seqNo: index.seqNo,
    };
  }

  /** A stored document, or undefined. */
  get(indexName: string, id: string): { index: Index; doc: StoredDoc } | undefined {
    for (const index of this.resolve(indexName)) {
      const doc = index.docs.get(id);
      if (doc) return { index, doc };
    }
    return undefined;
  }

  /** Every document of the resolved indices, for the query engine. */
  searchDocs(expression: string | undefined): SearchDoc[] {
    const out: SearchDoc[] = [];
    for (const index of this.resolve(expression)) {
      for (const [id, doc] of index.docs)
        out.push({ index: index.name, id, source: doc.source, mapping: index.mapping });
    }
    return out;
  }
}
