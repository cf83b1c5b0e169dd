import { type InputEvent, LOG_COUNT_METRIC, seriesKeyOf } from '@streamlens/schema';
import type { SeriesMeta } from '../domain/types.js';

/** One cached series: the raw dimension pairs it was seen with, and its canonical metadata. */
type SeriesEntry = {
  /** Dimension names in the raw object's own order (or the configured names). */
  names: string[];
  /** The values, index for index (undefined: a configured dimension the event lacks). */
  values: Array<string | undefined>;
  meta: SeriesMeta;
  next: SeriesEntry | undefined;
};

function sameValues(a: ReadonlyArray<string | undefined>, b: ReadonlyArray<string | undefined>) {
  for (let i = 0; i < b.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Longest chain of entries per bucket: a cache, so the oldest entries give way. */
const MAX_CHAIN = 16;

/**
 * Canonical series metadata per raw (metric, dimensions), cached across records and invocations.
 *
 * The canonical key (sorted, escaped: the schema's `seriesKeyOf`, the single definition of a series
 * key) costs more to build than anything else the aggregator does per record except JSON.parse,
 * and a few thousand series recur in every batch. The cache finds a bucket by the metric and the
 * first dimension value (logs: by service), then compares the event's dimension pairs, in the
 * object's own key order, with each entry's: equal strings, so a hit is exact and builds nothing
 * (the names are JSON keys, interned, so comparing them is a pointer check). Two events share an
 * entry only if they have the same metric and the same pairs, hence the same canonical key.
 * Bounded: `maxEntries` in all, {@link MAX_CHAIN} per bucket.
 */
export class SeriesCache {
  /** metric → first dimension value (undefined: none) → entries. */
  private buckets = new Map<string, Map<string | undefined, SeriesEntry>>();
  /** service → entries (one per level). */
  private logBuckets = new Map<string, Map<string | undefined, SeriesEntry>>();
  private entries = 0;

  constructor(
    private readonly dimensions: readonly string[],
    private readonly maxEntries = 50_000,
  ) {}

  /** Number of cached series (for tests). */
  get size(): number {
    return this.entries;
  }

  /** The series metadata of a valid input event (shared: callers must not mutate it). */
  metaOf(event: InputEvent): SeriesMeta {
    if (event.type === 'app.log') {
      const level = event.data.level;
      const byLevel = this.bucket(this.logBuckets, event.data.service);
      const head = byLevel.get(undefined);
      for (let e = head; e !== undefined; e = e.next) {
        if (e.values[0] === level) return e.meta;
      }
      return this.insert(byLevel, undefined, head, [], [level], event);
    }
    const dims = event.data.dimensions;
    const configured = this.dimensions;
    const byFirst = this.bucket(this.buckets, event.data.metric);
    if (configured.length > 0) {
      const values: Array<string | undefined> = [];
      for (const name of configured) {
        values.push(dims !== undefined && Object.hasOwn(dims, name) ? dims[name] : undefined);
      }
      const head = byFirst.get(values[0]);
      for (let e = head; e !== undefined; e = e.next) {
        if (sameValues(e.values, values)) return e.meta;
      }
      return this.insert(byFirst, values[0], head, [], values, event);
    }
    // Keys in the object's own order, walked with for…in (V8's enum cache, nothing allocated)
    // rather than Object.keys, which copies them into a new array for every record. Parsed JSON
    // inherits nothing enumerable, so this is the own keys; and an entry is only ever compared
    // with what the same walk produced, so a hit is exact either way.
    let first: string | undefined;
    if (dims !== undefined) {
      for (const name in dims) {
        first = dims[name];
        break;
      }
    }
    const head = byFirst.get(first);
    search: for (let e = head; e !== undefined; e = e.next) {
      const en = e.names;
      const ev = e.values;
      let i = 0;
      if (dims !== undefined) {
        for (const name in dims) {
          if (i === en.length || en[i] !== name || ev[i] !== dims[name]) continue search;
          i++;
        }
      }
      if (i !== en.length) continue;
      return e.meta;
    }
    const names: string[] = [];
    const values: Array<string | undefined> = [];
    if (dims !== undefined) {
      for (const name in dims) {
        names.push(name);
        values.push(dims[name]);
      }
    }
    return this.insert(byFirst, first, head, names, values, event);
  }

  private bucket(
    map: Map<string, Map<string | undefined, SeriesEntry>>,
    key: string,
  ): Map<string | undefined, SeriesEntry> {
    let b = map.get(key);
    if (b === undefined) {
      b = new Map();
      map.set(key, b);
    }
    return b;
  }

  private insert(
    bucket: Map<string | undefined, SeriesEntry>,
    key: string | undefined,
    head: SeriesEntry | undefined,
    names: string[],
    values: Array<string | undefined>,
    event: InputEvent,
  ): SeriesMeta {
    if (this.entries >= this.maxEntries) {
      this.buckets.clear();
      this.logBuckets.clear();
      this.entries = 0;
      head = undefined;
    }
    let n = 0;
    for (let e = head; e !== undefined; e = e.next) {
      if (++n === MAX_CHAIN - 1) {
        for (let x = e.next; x !== undefined; x = x.next) this.entries--;
        e.next = undefined;
        break;
      }
    }
    const entry: SeriesEntry = { names, values, meta: this.build(event), next: head };
    bucket.set(key, entry);
    this.entries++;
    return entry.meta;
  }

  private build(event: InputEvent): SeriesMeta {
    const opts = this.dimensions.length > 0 ? { dimensions: this.dimensions } : undefined;
    const series = seriesKeyOf(event, opts);
    if (event.type === 'app.log') {
      return {
        series,
        kind: 'log',
        metric: LOG_COUNT_METRIC,
        dimensions: { level: event.data.level, service: event.data.service },
      };
    }
    // A sorted copy: the emitted `dimensions` then do not depend on which record of the series
    // came first (producers may order keys differently).
    const all = event.data.dimensions ?? {};
    const names = this.dimensions.length > 0 ? this.dimensions : Object.keys(all);
    const picked: string[] = [];
    for (const name of names) {
      if (all[name] !== undefined && Object.hasOwn(all, name)) picked.push(name);
    }
    picked.sort();
    const dimensions: Record<string, string> = {};
    for (const name of picked) dimensions[name] = all[name]!;
    return { series, kind: 'telemetry', metric: event.data.metric, dimensions };
  }
}
