import type { Query } from '@streamlens/query';
import type { Observation } from '../domain/types.js';
import { classifyLateness, Lateness } from '../domain/window.js';
import { type AggregateValue, WindowAccumulator } from './aggregates.js';
import { compare, compileFilter, groupKeyOf, groupOf } from './fields.js';
import { latenessEndOf, reachOf, windowsOf } from './windows.js';

/** Event-time rules, as the aggregator's (README: configuration). */
export type QueryRunnerConfig = {
  allowedLatenessMs: number;
  maxLatenessMs: number;
  /** Relative accuracy of the quantile sketch. */
  alpha: number;
};

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
};

/** Where windows go; throws when they could not all go (they are emitted again). */
export interface QueryWindowSink {
  emit(windows: readonly QueryWindow[]): Promise<void>;
}

type Emitted = { revision: number; digest: string; endMs: number };
type Group = {
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
type QueryState = {
  q: Query;
  filter: (obs: Observation) => boolean;
  reach: number;
  /** Windows that ended at or before this are final and forgotten (see `prune`). */
  finalBefore: number;
  groups: Map<string, Group>;
};

export type ApplyOutcome = { applied: number; duplicates: number; tooLate: number };

/**
 * Runs many queries in one pass over each lane's observations, with the aggregator's event-time
 * rules: a lane's watermark is its largest event time − allowed lateness; an event whose latest
 * possible window closed `maxLatenessMs` or more before it is too late; a window is emitted once
 * the highest lane watermark passes its end, and again (revision + 1) whenever its result changes.
 *
 * Exactly-once effect: each group keeps its distinct events by (series, event id), a copy with
 * another value keeps the smaller one, and windows are computed from that set in (time, id)
 * order. So every emitted result is a function of the set of events, however they were batched,
 * sharded, redelivered or re-sent. Windows that stop existing are retracted.
 */
export class QueryRunner {
  private readonly states: QueryState[];
  private readonly lanes = new Map<string, number>();
  /** Windows whose aggregates were computed since the runner started (a work counter). */
  windowsComputed = 0;

  constructor(
    queries: readonly Query[],
    private readonly cfg: QueryRunnerConfig,
  ) {
    this.states = queries.map((q) => ({
      q,
      filter: compileFilter(q),
      reach: reachOf(q.window),
      finalBefore: Number.NEGATIVE_INFINITY,
      groups: new Map(),
    }));
  }

  /** Applies one lane's observations, in lane order. */
  apply(lane: string, observations: readonly Observation[]): ApplyOutcome {
    const out: ApplyOutcome = { applied: 0, duplicates: 0, tooLate: 0 };
    let maxEvent = this.lanes.get(lane) ?? Number.NEGATIVE_INFINITY;
    for (const obs of observations) {
      if (obs.timeMs > maxEvent) maxEvent = obs.timeMs;
      const wm = maxEvent - this.cfg.allowedLatenessMs;
      for (const st of this.states) {
        if (!st.filter(obs)) continue;
        const end = latenessEndOf(st.q.window, obs.timeMs);
        // Too late on its lane, or for a window already forgotten (a lane seen for the first
        // time, e.g. a child shard, has no watermark of its own yet).
        if (
          classifyLateness(end, wm, this.cfg.maxLatenessMs) === Lateness.TooLate ||
          end - st.reach <= st.finalBefore
        ) {
          out.tooLate++;
          continue;
        }
        const key = groupKeyOf(obs, st.q.groupBy);
        let g = st.groups.get(key);
        if (g === undefined) {
          const values = groupOf(obs, st.q.groupBy);
          g = {
            values,
            events: new Map(),
            others: new Map(),
            dirty: false,
            changedFromMs: Number.POSITIVE_INFINITY,
            settledToMs: Number.NEGATIVE_INFINITY,
            emitted: new Map(),
          };
          st.groups.set(key, g);
        }
        const prev = g.events.get(obs.idHash);
        if (prev === undefined || prev.series === obs.series) {
          if (prev !== undefined && !smaller(obs, prev)) {
            out.duplicates++;
            continue;
          }
          g.events.set(obs.idHash, obs);
        } else {
          const other = `${obs.series}\u0000${obs.idHash}`;
          const prevOther = g.others.get(other);
          if (prevOther !== undefined && !smaller(obs, prevOther)) {
            out.duplicates++;
            continue;
          }
          g.others.set(other, obs);
        }
        g.dirty = true;
        if (obs.timeMs < g.changedFromMs) g.changedFromMs = obs.timeMs;
        out.applied++;
      }
    }
    this.lanes.set(lane, maxEvent);
    return out;
  }

  /** Events kept over every query and group (the state that pruning bounds). */
  retainedEvents(): number {
    let n = 0;
    for (const st of this.states) {
      for (const g of st.groups.values()) n += g.events.size + g.others.size;
    }
    return n;
  }

  /** The highest lane watermark: windows that ended at or before it are emitted. */
  watermark(): number {
    let wm = Number.NEGATIVE_INFINITY;
    for (const m of this.lanes.values()) wm = Math.max(wm, m - this.cfg.allowedLatenessMs);
    return wm;
  }

  /** Emits the windows that ended at or before the watermark and changed. */
  flush(sink: QueryWindowSink): Promise<number> {
    return this.emitUpTo(this.watermark(), sink);
  }

  /**
   * The idle rule: a processing-time advance when the stream is quiet. Emits every changed
   * window, open or not, as the aggregator's idle flush does.
   */
  flushIdle(sink: QueryWindowSink): Promise<number> {
    return this.emitUpTo(Number.POSITIVE_INFINITY, sink);
  }

  private async emitUpTo(dueMs: number, sink: QueryWindowSink): Promise<number> {
    const batch: QueryWindow[] = [];
    const commits: Array<() => void> = [];
    for (const st of this.states) {
      for (const g of st.groups.values()) {
        if (!g.dirty) continue;
        const { windows, commit } = this.evaluate(st, g, dueMs);
        batch.push(...windows);
        commits.push(commit);
      }
    }
    if (batch.length > 0) await sink.emit(batch);
    // Only once the sink took them: a failed emit leaves the groups dirty, to be emitted again.
    for (const c of commits) c();
    this.prune();
    return batch.length;
  }

  /** The group's windows due for emission (changed or gone) and how to record them as emitted. */
  private evaluate(
    st: QueryState,
    g: Group,
    dueMs: number,
  ): { windows: QueryWindow[]; commit: () => void } {
    const events = [...g.events.values(), ...g.others.values()].sort(
      (a, b) => a.timeMs - b.timeMs || a.idHash - b.idHash || (a.series < b.series ? -1 : 1),
    );
    const times = events.map((e) => e.timeMs);
    const slices = windowsOf(st.q.window, times);
    const out: QueryWindow[] = [];
    const updates: Array<[number, Emitted]> = [];
    const present = new Set<number>();
    let pendingOpen = false;
    // Windows ending at or before both the earliest change and the last due time are as they were
    // settled: a window of any kind is placed and computed from events before its end only.
    const unchangedTo = Math.min(g.changedFromMs, g.settledToMs);
    for (const s of slices) {
      // A forgotten window: some of its events were dropped with it, never emit it again.
      if (s.endMs <= st.finalBefore) continue;
      if (s.endMs <= unchangedTo) {
        present.add(s.startMs);
        continue;
      }
      const prev = g.emitted.get(s.startMs);
      if (s.endMs > dueMs) {
        pendingOpen = true;
        if (prev !== undefined) present.add(s.startMs);
        continue;
      }
      this.windowsComputed++;
      const acc = new WindowAccumulator(st.q.aggregates, this.cfg.alpha);
      for (let i = s.from; i < s.to; i++) acc.add(events[i]!);
      const results = acc.results();
      const passes = st.q.having.every((h) => {
        const v = results[h.aggregate];
        return typeof v === 'number' && compare(v, h.op, h.value);
      });
      if (!passes) continue;
      present.add(s.startMs);
      const digest = JSON.stringify([s.endMs, results]);
      if (prev !== undefined && prev.digest === digest) continue;
      const revision = prev === undefined ? 0 : prev.revision + 1;
      out.push(this.window(st, g, s.startMs, s.endMs, revision, false, results));
      updates.push([s.startMs, { revision, digest, endMs: s.endMs }]);
    }
    const gone: number[] = [];
    for (const [start, prev] of g.emitted) {
      if (present.has(start) || prev.endMs <= unchangedTo) continue;
      out.push(this.window(st, g, start, prev.endMs, prev.revision + 1, true, {}));
      gone.push(start);
    }
    return {
      windows: out,
      commit: () => {
        for (const [start, e] of updates) g.emitted.set(start, e);
        for (const start of gone) g.emitted.delete(start);
        g.dirty = pendingOpen;
        g.changedFromMs = Number.POSITIVE_INFINITY;
        g.settledToMs = dueMs;
      },
    };
  }

  private window(
    st: QueryState,
    g: Group,
    startMs: number,
    endMs: number,
    revision: number,
    retracted: boolean,
    results: Record<string, AggregateValue>,
  ): QueryWindow {
    return {
      query: st.q.name,
      group: g.values,
      windowStartMs: startMs,
      windowEndMs: endMs,
      revision,
      retracted,
      results,
    };
  }

  /**
   * Drops what no event can change any more: with the lowest lane watermark W, an event is
   * applied only if its latest window ends after W − maxLateness, so windows that ended at or
   * before W − maxLateness − reach (and their events) are final.
   */
  private prune(): void {
    let low = Number.POSITIVE_INFINITY;
    for (const m of this.lanes.values()) low = Math.min(low, m - this.cfg.allowedLatenessMs);
    if (!Number.isFinite(low)) return;
    for (const st of this.states) {
      const horizon = low - this.cfg.maxLatenessMs - st.reach;
      // Nothing became final since the last prune.
      if (horizon <= st.finalBefore) continue;
      st.finalBefore = horizon;
      // After a successful emit every window ended at or before the watermark (≥ W) is emitted:
      // only open windows keep a group dirty, and they end after the horizon.
      for (const [key, g] of st.groups) {
        for (const map of [g.events, g.others] as Array<Map<unknown, Observation>>) {
          if (st.reach === 0) {
            for (const [id, e] of map) {
              if (latenessEndOf(st.q.window, e.timeMs) <= horizon) map.delete(id);
            }
          }
        }
        if (st.reach > 0) {
          // Whole windows only: their events place the windows after them.
          const events = [...g.events.values(), ...g.others.values()].sort(
            (a, b) => a.timeMs - b.timeMs,
          );
          const slices = windowsOf(
            st.q.window,
            events.map((e) => e.timeMs),
          );
          let cut = Number.NEGATIVE_INFINITY;
          for (const s of slices) {
            if (s.endMs > horizon) break;
            cut = events[s.to - 1]!.timeMs;
          }
          for (const map of [g.events, g.others] as Array<Map<unknown, Observation>>) {
            for (const [id, e] of map) if (e.timeMs <= cut) map.delete(id);
          }
        }
        for (const [start, e] of g.emitted) if (e.endMs <= horizon) g.emitted.delete(start);
        if (g.events.size + g.others.size === 0 && g.emitted.size === 0) st.groups.delete(key);
      }
    }
  }
}

/** Of two copies of one event, the one that counts: the smaller value, then the earlier time. */
function smaller(a: Observation, b: Observation): boolean {
  return a.value < b.value || (a.value === b.value && a.timeMs < b.timeMs);
}
