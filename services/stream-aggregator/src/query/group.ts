import type { Query } from '@streamlens/query';
import type { WindowStats } from '../domain/partial.js';
import type { Observation } from '../domain/types.js';
import { type AggregateValue, WindowAccumulator } from './aggregates.js';
import { resultDigest } from './digest.js';
import { compare, compileFilter } from './fields.js';
import { latenessEndOf, reachOf, windowsOf } from './windows.js';

/** One revision of one window of one query's group. */
export type QueryWindow = {
  query: string;
  /** The grouped fields' values, in the query's `groupBy` order. */
  group: string[];
  windowStartMs: number;
  windowEndMs: number;
  /** 0 for the first emission; + 1 for each change (correction, reshaped or retracted window). */
  revision: number;
  /**
   * The window no longer exists (a late event merged two sessions or moved a stagger window) or no
   * longer passes HAVING: consumers drop what they kept for it.
   */
  retracted: boolean;
  results: Record<string, AggregateValue>;
  /** The window's base statistics (zeros for a retracted window). */
  stats: WindowStats;
};

/** What a group remembers of a window it emitted. */
export type Emitted = { revision: number; digest: string; endMs: number };

/**
 * One group of one query: its distinct events and what it emitted. The in-memory runner keeps
 * groups in a map; the durable runner loads them from the state table and stores them back.
 */
export type Group = {
  values: string[];
  /**
   * Distinct events by (series, event id): a copy counts once, whichever lane brings it. Keyed by
   * the id hash (a number: no string built per event); an event whose hash is taken by another
   * series' event is kept under `series id` in `others`.
   */
  events: Map<number, Observation>;
  others: Map<string, Observation>;
  /** Changed, or has windows not yet due, since the last evaluation. */
  dirty: boolean;
  /** Smallest event time applied since the last evaluation (+∞: none). */
  changedFromMs: number;
  /** The due time of the last successful evaluation: windows ending by it were settled then. */
  settledToMs: number;
  emitted: Map<number, Emitted>;
};

/** A query compiled once: its filter and how far its windows reach back. */
export type CompiledQuery = {
  q: Query;
  filter: (obs: Observation) => boolean;
  reach: number;
};

export function compileQuery(q: Query): CompiledQuery {
  return { q, filter: compileFilter(q), reach: reachOf(q.window) };
}

export function newGroup(values: string[]): Group {
  return {
    values,
    events: new Map(),
    others: new Map(),
    dirty: false,
    changedFromMs: Number.POSITIVE_INFINITY,
    settledToMs: Number.NEGATIVE_INFINITY,
    emitted: new Map(),
  };
}

/**
 * Adds an event to its group's set. Returns false for a copy that changes nothing: of two copies
 * of one (series, id) the smaller value (then the earlier time) counts, whichever came first.
 */
export function addEvent(g: Group, obs: Observation): boolean {
  const prev = g.events.get(obs.idHash);
  if (prev === undefined || prev.series === obs.series) {
    if (prev !== undefined && !smaller(obs, prev)) return false;
    g.events.set(obs.idHash, obs);
  } else {
    const other = `${obs.series}\u0000${obs.idHash}`;
    const prevOther = g.others.get(other);
    if (prevOther !== undefined && !smaller(obs, prevOther)) return false;
    g.others.set(other, obs);
  }
  g.dirty = true;
  if (obs.timeMs < g.changedFromMs) g.changedFromMs = obs.timeMs;
  return true;
}

/** Every event of the group, in (time, id, series) order: the order windows are computed in. */
export function sortedEvents(g: Group): Observation[] {
  return [...g.events.values(), ...g.others.values()].sort(
    (a, b) => a.timeMs - b.timeMs || a.idHash - b.idHash || (a.series < b.series ? -1 : 1),
  );
}

/** What one evaluation of a group found, and how to record it once the windows were sent. */
export type Evaluation = {
  windows: QueryWindow[];
  /** Applies the evaluation to the group (call only after the windows were taken). */
  commit: () => void;
  /** Windows computed (a work counter). */
  computed: number;
  /** The earliest end of a window left open (not due yet); +∞ when none. */
  openUntilMs: number;
};

/**
 * The group's windows due for emission (changed or gone) at `dueMs`. A window that ended at or
 * before `finalBefore` is forgotten and never emitted again.
 */
export function evaluateGroup(
  cq: CompiledQuery,
  g: Group,
  dueMs: number,
  finalBefore: number,
  alpha: number,
): Evaluation {
  const events = sortedEvents(g);
  const times = events.map((e) => e.timeMs);
  const slices = windowsOf(cq.q.window, times);
  const out: QueryWindow[] = [];
  const updates: Array<[number, Emitted]> = [];
  const present = new Set<number>();
  let openUntilMs = Number.POSITIVE_INFINITY;
  let computed = 0;
  // Windows ending at or before both the earliest change and the last due time are as they were
  // settled: a window of any kind is placed and computed from events before its end only.
  const unchangedTo = Math.min(g.changedFromMs, g.settledToMs);
  for (const s of slices) {
    if (s.endMs <= finalBefore) continue;
    if (s.endMs <= unchangedTo) {
      present.add(s.startMs);
      continue;
    }
    const prev = g.emitted.get(s.startMs);
    if (s.endMs > dueMs) {
      if (s.endMs < openUntilMs) openUntilMs = s.endMs;
      if (prev !== undefined) present.add(s.startMs);
      continue;
    }
    computed++;
    const acc = new WindowAccumulator(cq.q.aggregates, alpha);
    for (let i = s.from; i < s.to; i++) acc.add(events[i]!);
    const results = acc.results();
    const stats = acc.stats();
    const passes = cq.q.having.every((h) => {
      const v = results[h.aggregate];
      return typeof v === 'number' && compare(v, h.op, h.value);
    });
    if (!passes) continue;
    present.add(s.startMs);
    const digest = resultDigest(s.endMs, stats, results);
    if (prev !== undefined && prev.digest === digest) continue;
    const revision = prev === undefined ? 0 : prev.revision + 1;
    out.push(windowOf(cq, g, s.startMs, s.endMs, revision, false, results, stats));
    updates.push([s.startMs, { revision, digest, endMs: s.endMs }]);
  }
  const gone: number[] = [];
  for (const [start, prev] of g.emitted) {
    if (present.has(start) || prev.endMs <= unchangedTo) continue;
    out.push(windowOf(cq, g, start, prev.endMs, prev.revision + 1, true, {}, NO_STATS));
    gone.push(start);
  }
  return {
    windows: out,
    computed,
    openUntilMs,
    commit: () => {
      for (const [start, e] of updates) g.emitted.set(start, e);
      for (const start of gone) g.emitted.delete(start);
      g.dirty = openUntilMs !== Number.POSITIVE_INFINITY;
      g.changedFromMs = Number.POSITIVE_INFINITY;
      g.settledToMs = dueMs;
    },
  };
}

function windowOf(
  cq: CompiledQuery,
  g: Group,
  startMs: number,
  endMs: number,
  revision: number,
  retracted: boolean,
  results: Record<string, AggregateValue>,
  stats: WindowStats,
): QueryWindow {
  return {
    query: cq.q.name,
    group: g.values,
    windowStartMs: startMs,
    windowEndMs: endMs,
    revision,
    retracted,
    results,
    stats,
  };
}

const NO_STATS: WindowStats = { count: 0, sum: 0, min: 0, max: 0, mean: 0, p50: 0, p90: 0, p99: 0 };

/**
 * Drops the group's events and emitted windows that no event can change any more: those of
 * windows that ended at or before `horizon`. Returns true when the group is then empty.
 */
export function pruneGroup(cq: CompiledQuery, g: Group, horizon: number): boolean {
  const maps = [g.events, g.others] as Array<Map<unknown, Observation>>;
  if (cq.reach === 0) {
    for (const map of maps) {
      for (const [id, e] of map) {
        if (latenessEndOf(cq.q.window, e.timeMs) <= horizon) map.delete(id);
      }
    }
  } else {
    // Whole windows only: their events place the windows after them. Nothing to do (and no sort)
    // while every event is after the horizon: a window ends after its first event.
    let earliest = Number.POSITIVE_INFINITY;
    for (const map of maps)
      for (const e of map.values()) if (e.timeMs < earliest) earliest = e.timeMs;
    if (earliest >= horizon) {
      for (const [start, e] of g.emitted) if (e.endMs <= horizon) g.emitted.delete(start);
      return g.events.size + g.others.size === 0 && g.emitted.size === 0;
    }
    const events = [...g.events.values(), ...g.others.values()].sort((a, b) => a.timeMs - b.timeMs);
    const slices = windowsOf(
      cq.q.window,
      events.map((e) => e.timeMs),
    );
    let cut = Number.NEGATIVE_INFINITY;
    for (const s of slices) {
      if (s.endMs > horizon) break;
      cut = events[s.to - 1]!.timeMs;
    }
    for (const map of maps) for (const [id, e] of map) if (e.timeMs <= cut) map.delete(id);
  }
  for (const [start, e] of g.emitted) if (e.endMs <= horizon) g.emitted.delete(start);
  return g.events.size + g.others.size === 0 && g.emitted.size === 0;
}

/** Of two copies of one event, the one that counts: the smaller value, then the earlier time. */
function smaller(a: Observation, b: Observation): boolean {
  return a.value < b.value || (a.value === b.value && a.timeMs < b.timeMs);
}
