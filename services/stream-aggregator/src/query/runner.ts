import type { Query } from '@streamlens/query';
import type { Observation } from '../domain/types.js';
import { classifyLateness, Lateness } from '../domain/window.js';
import { groupKeyOf, groupOf } from './fields.js';
import {
  addEvent,
  type CompiledQuery,
  compileQuery,
  evaluateGroup,
  type Group,
  newGroup,
  pruneGroup,
  type QueryWindow,
} from './group.js';
import { latenessEndOf } from './windows.js';

export type { QueryWindow } from './group.js';

/** Event-time rules, as the aggregator's (README: configuration). */
export type QueryRunnerConfig = {
  allowedLatenessMs: number;
  maxLatenessMs: number;
  /** Relative accuracy of the quantile sketch. */
  alpha: number;
};

/** Where windows go; throws when they could not all go (they are emitted again). */
export interface QueryWindowSink {
  emit(windows: readonly QueryWindow[]): Promise<void>;
}

type QueryState = CompiledQuery & {
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
      ...compileQuery(q),
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
          g = newGroup(groupOf(obs, st.q.groupBy));
          st.groups.set(key, g);
        }
        if (!addEvent(g, obs)) {
          out.duplicates++;
          continue;
        }
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
        const ev = evaluateGroup(st, g, dueMs, st.finalBefore, this.cfg.alpha);
        this.windowsComputed += ev.computed;
        batch.push(...ev.windows);
        commits.push(ev.commit);
      }
    }
    if (batch.length > 0) await sink.emit(batch);
    // Only once the sink took them: a failed emit leaves the groups dirty, to be emitted again.
    for (const c of commits) c();
    this.prune();
    return batch.length;
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
      for (const [key, g] of st.groups) if (pruneGroup(st, g, horizon)) st.groups.delete(key);
    }
  }
}
